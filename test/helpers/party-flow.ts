/**
 * What the party tests share: a closed recording sealed from a prepared clip (parties are not
 * about ingest) with its marked variants (the 'recording.derive' handler run directly, no queue), calls to the API as a signed-in user, and the segment URLs of
 * a playback session's playlist.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Recording } from '../../server/db/schema.ts';
import type { RunningServer } from '../../server/liuhen.ts';
import type { WorkerDeps } from '../../workers/job-handler.ts';
import { recordingDerive } from '../../workers/recording-derive.ts';
import { workerDepsOf } from '../../workers/worker-deps.ts';
import { apiFetch } from './http.ts';
import { preparedClip, sealClip } from './sealed-clip.ts';
import type { SignedIn } from './viewing.ts';

export function workerDeps(server: RunningServer): WorkerDeps {
  return workerDepsOf(server.core, fs.mkdtempSync(path.join(os.tmpdir(), 'liuhen-party-work-')));
}

/**
 * A bodycam of `unit` has recorded `seconds` (even) of test pattern with a tone, at a camera's
 * 640x360 and 2 s segments; returns the closed recording.
 */
export async function recordClosed(server: RunningServer, unit: string, officerBadge: string, seconds: number): Promise<Recording> {
  const { device } = await server.core.devices.add({ kind: 'bodycam', officerBadge, unit, name: `记录仪 ${officerBadge}` }, 'test');
  return sealClip(server.core, device, preparedClip({ seconds, size: '640x360', tone: true }));
}

/** Makes the recording's forensic A/B variants as the worker would. */
export async function deriveMarked(deps: WorkerDeps, recordingId: string): Promise<void> {
  await recordingDerive({ recordingId }, { jobId: `job-test-${recordingId}`, progress: async () => undefined }, deps);
}

export interface Answer<T = Record<string, unknown>> {
  status: number;
  body: T;
}

/** `/api/<route>` as `who`, its answer parsed. */
export function apiOf(server: RunningServer) {
  return async <T = Record<string, unknown>>(who: SignedIn, route: string, body?: unknown): Promise<Answer<T>> => {
    const res = await apiFetch(server.httpPort, who, route, body);
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as T };
  };
}

/** `who` (a custodian) sets the recording's confidentiality label, as on its page; the answer's status. */
export async function setLabel(server: RunningServer, who: SignedIn, recordingId: string, label: string | null): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${server.httpPort}/api/recordings/${recordingId}/confidentiality`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${who.accessToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ label }),
  });
  return res.status;
}

/** An approval of every recording named, for `untilMs` from now. */
export function approval(recordingIds: string[], over: Record<string, unknown> = {}, untilMs = 10 * 60_000) {
  return {
    decision: 'approve',
    windowFrom: new Date(Date.now() - 1000).toISOString(),
    windowUntil: new Date(Date.now() + untilMs).toISOString(),
    maxViewings: 2,
    recordings: recordingIds.map((recordingId) => ({ recordingId, approved: true })),
    ...over,
  };
}

/** Absolute URLs of the segments a session's playlist lists. */
export async function segmentUrls(server: RunningServer, playlistUrl: string): Promise<string[]> {
  const base = `http://127.0.0.1:${server.httpPort}`;
  const res = await fetch(`${base}${playlistUrl}`);
  if (res.status !== 200) throw new Error(`playlist answered ${res.status}`);
  const dir = new URL(playlistUrl, base);
  return (await res.text())
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => new URL(l, dir).toString());
}

/**
 * One machine-readable shape per fact: `liuhen verify --json` and `GET
 * /api/recordings/:id/verification` are the same document, and so are `liuhen audit --json` and
 * `GET /api/audit` for the same events (camelCase, `detail` an object), as player/API.md says.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEventView } from '../../server/audit/audit-event-view.ts';
import { objectKeys } from '../../server/ledger/object-keys.ts';
import type { RunningServer } from '../../server/liuhen.ts';
import { runCli } from '../helpers/cli.ts';
import { apiFetch } from '../helpers/http.ts';
import { sealedRecording } from '../helpers/sealed-recording.ts';
import { startTestServer, testEnv } from '../helpers/server.ts';
import { type SignedIn, signedInUser } from '../helpers/viewing.ts';

let env: Record<string, string>;
let server: RunningServer;
let custodian: SignedIn;
let reviewer: SignedIn;
let auditor: SignedIn;
let recordingId: string;

beforeAll(async () => {
  env = await testEnv();
  server = await startTestServer(env);
  custodian = await signedInUser(server, 'custodian', 'u1', 'C-1');
  reviewer = await signedInUser(server, 'reviewer', 'u1', 'R-1');
  auditor = await signedInUser(server, 'auditor', 'u1', 'AU-1');
  const { device } = await server.core.devices.add({ kind: 'bodycam', officerBadge: 'O-1', unit: 'u1' }, 'test');
  // A notice too: an entry that is neither segment nor gap.
  recordingId = await sealedRecording(server, device, new Date(Date.now() - 60_000), { gap: true, notice: true });
});
afterAll(async () => server?.stop());

async function apiJson(who: SignedIn, route: string, body?: unknown): Promise<unknown> {
  const res = await apiFetch(server.httpPort, who, route, body);
  expect(res.status, route).toBeLessThan(300);
  return res.status === 204 ? undefined : res.json();
}

async function cliJson(args: string[]): Promise<unknown> {
  const r = await runCli([...args, '--json'], env);
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout);
}

const verification = () => Promise.all([cliJson(['verify', recordingId]), apiJson(custodian, `recordings/${recordingId}/verification`)]);

describe('a recording’s verification', () => {
  it('is the same document from the command and from the API', async () => {
    const [cli, api] = await verification();
    expect(api).toEqual(cli);
    expect(api).toEqual({ recordingId, ok: true, entries: 4, segments: 2, gaps: 1, checkpointsChecked: expect.any(Number), manifestChecked: true, problems: [] });
    // The words say the same counts.
    expect((await runCli(['verify', recordingId], env)).stdout).toMatch(/intact — 2 segments, 1 gaps, /);
  });

  it('names the same problems both ways when a stored segment was altered', async () => {
    const file = path.join(env.LIUHEN_DATA_DIR!, 'evidence', objectKeys.segment(recordingId, 4));
    const bytes = fs.readFileSync(file);
    bytes[1000] = bytes[1000]! ^ 0xff;
    fs.chmodSync(file, 0o644);
    fs.writeFileSync(file, bytes);
    fs.chmodSync(file, 0o444);
    const [cli, api] = await verification();
    expect(api).toEqual(cli);
    expect(api).toMatchObject({ ok: false, problems: [{ idx: 4, what: 'hash', message: expect.stringContaining('segment 4') }] });
  });
});

describe('audit events', () => {
  it('are the same document from the command and from the API, each detail an object', async () => {
    // A refusal and a share: two events about the recording, each with a detail.
    expect((await apiFetch(server.httpPort, reviewer, `recordings/${recordingId}`)).status).toBe(403);
    await apiJson(custodian, `recordings/${recordingId}/shares`, { userId: reviewer.userId });
    await server.core.audit.flush();

    const api = await apiJson(auditor, `audit?recording=${recordingId}`);
    const cli = await cliJson(['audit', '--recording', recordingId]);
    expect(cli).toEqual(api);
    const { events } = api as { events: Record<string, unknown>[] };
    expect(events.map((e) => [e.action, e.outcome, e.detail])).toEqual([
      ['recording.read', 'refused', { reason: expect.any(String) }],
      ['recording.share', 'ok', { with: reviewer.userId, badge: 'R-1', until: null }],
    ]);
    expect(Object.keys(events[0]!).sort()).toEqual(['seq', 'at', 'actor', 'action', 'subject', 'outcome', 'address', 'userAgent', 'sessionId', 'object', 'bytes', 'detail', 'prevHash', 'hash'].sort());
  });

  it('show a detail written behind liuhen’s back as the text found, and still list', () => {
    const row = {
      seq: 1,
      at: 'x',
      actor: 'a',
      action: 'b',
      subject: null,
      outcome: 'ok' as const,
      address: null,
      session_id: null,
      object: null,
      bytes: null,
      user_agent: null,
      prev_hash: 'p',
      hash: 'h',
    };
    expect(['not json', '[1]', 'null', '"text"'].map((detail) => auditEventView({ ...row, detail }).detail)).toEqual([
      { unreadable: 'not json' },
      { unreadable: '[1]' },
      { unreadable: 'null' },
      { unreadable: '"text"' },
    ]);
  });
});

describe('liuhen recordings', () => {
  it('says when an interrupted recording will close (and get its manifest) unless its device returns', async () => {
    const { device } = await server.core.devices.add({ kind: 'bodycam', officerBadge: 'O-2', unit: 'u1' }, 'test');
    const open = await server.core.sealer.openRecording(device, new Date());
    const interruptedAt = new Date();
    await server.core.db.updateTable('recordings').set({ state: 'interrupted', interrupted_at: interruptedAt.toISOString() }).where('id', '=', open.id).execute();
    const listed = (await cliJson(['recordings'])) as { id: string; closesAt: string | null }[];
    const grace = Number(env.LIUHEN_GRACE_SECONDS) * 1000;
    expect(listed.find((r) => r.id === open.id)?.closesAt).toBe(new Date(interruptedAt.getTime() + grace).toISOString());
    expect(listed.find((r) => r.id === recordingId)?.closesAt).toBeNull();
    const text = await runCli(['recordings'], env);
    expect(text.stdout).toContain(`interrupted (closes ${new Date(interruptedAt.getTime() + grace).toISOString()} unless the device returns)`);
  });
});

/**
 * Cases through the real API of a real server: the seeds' recording rules checked on a case
 * (000 §11, 001 §15: mandated actions; 001 §12: gaps need a cause), archiving within 30 days
 * (000 §19) with a signed manifest that verifies without liuhen, the frozen case, reviewers'
 * access by membership, and `liuhen case check`. Archiving runs on SQLite and PostgreSQL.
 */
import { execFileSync } from 'node:child_process';
import { verify as verifySignature } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../server/crypto/hash.ts';
import type { Role } from '../../server/db/schema.ts';
import { objectKeys } from '../../server/ledger/object-keys.ts';
import type { RunningServer } from '../../server/liuhen.ts';
import { runCli } from '../helpers/cli.ts';
import { freshPostgresDatabase } from '../helpers/postgres.ts';
import { publish } from '../helpers/publisher.ts';
import { recordingsOf, waitForClosed } from '../helpers/recordings.ts';
import { startTestServer, testEnv } from '../helpers/server.ts';
import { signedInUser } from '../helpers/viewing.ts';
import { waitFor } from '../helpers/wait.ts';

const DAY_MS = 86_400_000;
const daysAgo = (days: number) => new Date(Date.now() - days * DAY_MS).toISOString();

interface Finding {
  kind: string;
  actionId?: string;
  recordingId?: string;
  gapIdx?: number;
}

/** A client for one server: sign in staff, call the API as one of them. */
async function staffOf(server: RunningServer) {
  const tokens = new Map<string, string>();
  const add = async (name: string, role: Role, unit: string, badge: string) => tokens.set(name, (await signedInUser(server, role, unit, badge)).accessToken);
  await add('custodian', 'custodian', 'U1', 'C1');
  await add('commander', 'commander', 'U1', 'K1');
  await add('member', 'reviewer', 'U1', 'R1');
  await add('outsider', 'reviewer', 'U1', 'R2');
  const call = async (who: string, method: string, url: string, body?: unknown) => {
    const res = await fetch(`http://127.0.0.1:${server.httpPort}/api${url}`, {
      method,
      headers: { authorization: `Bearer ${tokens.get(who)}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  const ok = async (who: string, method: string, url: string, body?: unknown) => {
    const res = await call(who, method, url, body);
    if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const newCase = async (caseNo: string, extra: Record<string, unknown> = {}) => (await ok('commander', 'POST', '/cases', { caseNo, unit: 'U1', title: `案件 ${caseNo}`, ...extra })).id as string;
  const findings = async (caseId: string) => (await ok('commander', 'GET', `/cases/${caseId}/check`)).findings as Finding[];
  return { call, ok, newCase, findings };
}
type Staff = Awaited<ReturnType<typeof staffOf>>;

let server: RunningServer;
let env: Record<string, string>;
let staff: Staff;
/** A real bodycam recording with a real gap: published, dropped, published again within the grace window. */
let gapped: { id: string; gapIdx: number; startedAt: string };

beforeAll(async () => {
  env = await testEnv({ LIUHEN_GRACE_SECONDS: '5' });
  server = await startTestServer(env);
  staff = await staffOf(server);
  const { device, credential } = await server.core.devices.add({ kind: 'bodycam', officerBadge: 'P1', unit: 'U1' }, 'test');
  const url = server.publishUrl(device.id, credential);
  expect(await publish(url, 3).exited).toBe(0);
  await waitFor('the camera to drop', async () => (await recordingsOf(server.core.db, device.id))[0]?.state === 'interrupted');
  await sleep(1000);
  expect(await publish(url, 3).exited).toBe(0);
  const [rec] = await waitForClosed(server.core.db, device.id, 1);
  const gap = await server.core.db.selectFrom('ledger_entries').select('idx').where('recording_id', '=', rec!.id).where('kind', '=', 'gap').executeTakeFirstOrThrow();
  gapped = { id: rec!.id, gapIdx: gap.idx, startedAt: rec!.started_at };
});
afterAll(async () => server?.stop());

describe('the case check', () => {
  it('flags a seizure with neither recording nor reason, and not once a reason is written', async () => {
    const caseId = await staff.newCase('2026-CHK-1');
    const { id: seizure } = await staff.ok('commander', 'POST', `/cases/${caseId}/actions`, { kind: 'seizure', stage: 'investigation', at: daysAgo(1), officerBadge: 'P1' });
    expect(await staff.findings(caseId)).toEqual([expect.objectContaining({ kind: 'action_unrecorded', actionId: seizure })]);

    // `other` needs words; a known code does not.
    expect((await staff.call('commander', 'POST', `/cases/${caseId}/actions/${seizure}/reason`, { reason: 'other' })).status).toBe(400);
    await staff.ok('commander', 'POST', `/cases/${caseId}/actions/${seizure}/reason`, { reason: 'explosive_area', text: '油库区内，无防爆记录仪' });
    expect(await staff.findings(caseId)).toEqual([]);
    // A reviewer who is not on the case reads nothing of it, and its refusal is audited.
    expect((await staff.call('outsider', 'GET', `/cases/${caseId}`)).status).toBe(403);
    const refused = await server.core.db.selectFrom('audit_events').select('action').where('subject', '=', caseId).where('outcome', '=', 'refused').execute();
    expect(refused.map((e) => e.action)).toContain('case.read');
  });

  it('flags a linked recording’s unexplained gap until a person gives its reason, once', async () => {
    const caseId = await staff.newCase('2026-CHK-2');
    const { id: inspection } = await staff.ok('commander', 'POST', `/cases/${caseId}/actions`, { kind: 'inspection', stage: 'investigation', at: gapped.startedAt, officerBadge: 'P1' });
    await staff.ok('commander', 'POST', `/cases/${caseId}/actions/${inspection}/links`, { recordingId: gapped.id });
    expect(await staff.findings(caseId)).toEqual([expect.objectContaining({ kind: 'gap_without_reason', recordingId: gapped.id, gapIdx: gapped.gapIdx })]);

    const note = `/recordings/${gapped.id}/gaps/${gapped.gapIdx}/note`;
    expect((await staff.call('outsider', 'POST', note, { reason: '信号中断' })).status).toBe(403);
    expect((await staff.call('commander', 'POST', `/recordings/${gapped.id}/gaps/1/note`, { reason: '不是中断' })).status).toBe(404);
    await staff.ok('commander', 'POST', note, { reason: '进入地下车库，信号中断' });
    expect(await staff.findings(caseId)).toEqual([]);
    const again = await staff.call('custodian', 'POST', note, { reason: '改写' });
    expect(again).toEqual({ status: 409, body: { error: 'gap_noted' } });
    const events = await server.core.db.selectFrom('audit_events').select(['outcome', 'actor']).where('subject', '=', gapped.id).where('action', '=', 'gap.note').orderBy('seq').execute();
    expect(events.map((e) => e.outcome)).toEqual(['refused', 'ok', 'refused']);

    const detail = await staff.ok('commander', 'GET', `/cases/${caseId}`);
    expect(detail.actions[0]).toMatchObject({ id: inspection, requirement: 'mandatory', recordingIds: [gapped.id] });
    expect(detail.recordings[0].gaps).toEqual([expect.objectContaining({ idx: gapped.gapIdx, note: expect.objectContaining({ reason: '进入地下车库，信号中断' }) })]);
  });

  it('flags an action whose recording began only after it', async () => {
    const caseId = await staff.newCase('2026-CHK-3');
    const before = new Date(Date.parse(gapped.startedAt) - 60_000).toISOString();
    const { id } = await staff.ok('commander', 'POST', `/cases/${caseId}/actions`, { kind: 'sampling', stage: 'investigation', at: before });
    await staff.ok('commander', 'POST', `/cases/${caseId}/actions/${id}/links`, { deviceId: (await server.core.db.selectFrom('recordings').select('device_id').where('id', '=', gapped.id).executeTakeFirstOrThrow()).device_id, from: before, to: new Date().toISOString() });
    expect((await staff.findings(caseId)).map((f) => f.kind)).toEqual(['recorded_after_action']);
  });

  it('lets a reviewer on the case replay its recording, and no other reviewer', async () => {
    const caseId = await staff.newCase('2026-REV-1');
    const { id } = await staff.ok('commander', 'POST', `/cases/${caseId}/actions`, { kind: 'inspection', stage: 'investigation', at: gapped.startedAt });
    await staff.ok('commander', 'POST', `/cases/${caseId}/actions/${id}/links`, { recordingId: gapped.id });
    expect((await staff.call('member', 'POST', '/playback-sessions', { recordingId: gapped.id })).status).toBe(403);
    await staff.ok('commander', 'POST', `/cases/${caseId}/members`, { badge: 'R1', role: 'reviewer' });
    expect((await staff.call('member', 'POST', '/playback-sessions', { recordingId: gapped.id })).status).toBe(201);
    expect((await staff.call('outsider', 'POST', '/playback-sessions', { recordingId: gapped.id })).status).toBe(403);
    expect((await staff.ok('member', 'GET', '/cases')).cases.map((c: { id: string }) => c.id)).toEqual([caseId]);
  });

  it('`liuhen case check` prints the findings in words and exits 1, or 0 when nothing is missing', async () => {
    const caseId = await staff.newCase('2026-CLI-1');
    const { id } = await staff.ok('commander', 'POST', `/cases/${caseId}/actions`, { kind: 'hearing', stage: 'decision', at: daysAgo(2), officerBadge: 'P9' });
    const flagged = await runCli(['case', 'check', '2026-CLI-1'], env);
    expect(flagged.code).toBe(1);
    expect(flagged.stdout).toContain('case 2026-CLI-1: 1 finding(s)');
    expect(flagged.stdout).toMatch(new RegExp(`action_unrecorded: a mandated action with neither a recording nor a written reason — hearing ${id}, officer P9, at .* \\[000 §11, 001 §11, 003 §12\\]`));
    const json = JSON.parse((await runCli(['case', 'check', '2026-CLI-1', '--json'], env)).stdout) as { findings: Finding[] };
    expect(json.findings.map((f) => f.kind)).toEqual(['action_unrecorded']);

    const reason = await runCli(['case', 'reason', '2026-CLI-1', id, '--reason', 'privacy'], env);
    expect(reason.code).toBe(0);
    const clean = await runCli(['case', 'check', '2026-CLI-1'], env);
    expect(clean).toMatchObject({ code: 0, stdout: 'case 2026-CLI-1: nothing missing\n' });
  });
});

describe.each(['sqlite', 'postgres'] as const)('archiving on %s', (dialect) => {
  let s: RunningServer;
  let e: Record<string, string>;
  let st: Staff;
  /** a closed recording of unit U1 to link */
  let recordingId: string;

  beforeAll(async () => {
    if (dialect === 'sqlite') {
      [s, e, st, recordingId] = [server, env, staff, gapped.id];
      return;
    }
    e = await testEnv({ LIUHEN_DATABASE_URL: await freshPostgresDatabase() });
    s = await startTestServer(e);
    st = await staffOf(s);
    // Sealed directly, not published: node-media-server is process-wide, and the SQLite server's gate would hear this one's camera.
    const { device } = await s.core.devices.add({ kind: 'bodycam', officerBadge: 'P2', unit: 'U1' }, 'test');
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'liuhen-seg-')), 'seg.ts');
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=25', '-t', '2', '-c:v', 'libx264', '-preset', 'ultrafast', '-f', 'mpegts', file]);
    const rec = await s.core.sealer.openRecording(device, new Date(Date.now() - 60_000));
    await s.core.sealer.sealSegment(rec.id, { bytes: fs.readFileSync(file), startAt: new Date(rec.started_at), durationMs: 2000, source: `test/${rec.id}/seg.ts` });
    recordingId = (await s.core.sealer.close(rec.id)).id;
  });
  afterAll(async () => {
    if (dialect === 'postgres') await s?.stop();
  });

  it('flags a case ended 31 days ago as overdue; archived, its signed manifest verifies and its edits are refused', async () => {
    const caseNo = `2026-ARC-${dialect}`;
    const caseId = await st.newCase(caseNo, { initiatedAt: daysAgo(45) });
    const { id: seizure } = await st.ok('commander', 'POST', `/cases/${caseId}/actions`, { kind: 'seizure', stage: 'investigation', at: daysAgo(40) });
    await st.ok('commander', 'POST', `/cases/${caseId}/actions/${seizure}/links`, { recordingId });
    await st.ok('commander', 'POST', `/cases/${caseId}/end`, { at: daysAgo(31) });

    const overdue = (await st.findings(caseId)).filter((f) => f.kind === 'archive_overdue');
    expect(overdue).toHaveLength(1);
    const listed = (await st.ok('commander', 'GET', '/cases')).cases.find((c: { id: string }) => c.id === caseId);
    expect(listed).toMatchObject({ archiveOverdue: true, archiveDeadline: new Date(Date.parse(listed.endedAt) + 30 * DAY_MS).toISOString() });

    // Archiving is the custodian's.
    expect((await st.call('commander', 'POST', `/cases/${caseId}/archive`)).status).toBe(403);
    const archived = await st.ok('custodian', 'POST', `/cases/${caseId}/archive`);
    expect(archived.manifestKey).toBe(objectKeys.caseManifest(caseId));
    expect((await st.findings(caseId)).map((f) => f.kind)).not.toContain('archive_overdue');

    // liuhen verifies it …
    const verified = await runCli(['case', 'verify', caseNo], e);
    expect(verified.stdout).toMatch(/manifest intact — signature valid .* 1 recording manifest\(s\) match/);
    expect(verified.code).toBe(0);
    // … and so does anyone with the stored key, without liuhen.
    const bytes = await s.core.store.get(archived.manifestKey);
    const signature = await s.core.store.get(objectKeys.caseManifestSignature(caseId));
    const manifest = JSON.parse(bytes.toString()) as { signingKey: string; case: { caseNo: string }; recordings: { id: string; manifestKey: string; manifestSha256: string }[]; actions: { id: string; links: unknown[] }[]; findings: Finding[] };
    const pem = await s.core.store.get(objectKeys.publicKey(manifest.signingKey));
    expect(sha256Hex(bytes)).toBe(archived.sha256);
    expect(verifySignature(null, bytes, pem.toString(), signature)).toBe(true);
    expect(verifySignature(null, Buffer.concat([bytes, Buffer.from(' ')]), pem.toString(), signature)).toBe(false);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'liuhen-case-'));
    for (const [name, data] of [['manifest.json', bytes], ['manifest.json.sig', signature], ['key.pem', pem]] as const) fs.writeFileSync(path.join(dir, name), data);
    const openssl = execFileSync('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', 'key.pem', '-rawin', '-in', 'manifest.json', '-sigfile', 'manifest.json.sig'], { cwd: dir }).toString();
    expect(openssl).toMatch(/Signature Verified Successfully/);
    expect(manifest.case.caseNo).toBe(caseNo);
    expect(manifest.actions.map((a) => a.id)).toEqual([seizure]);
    expect(manifest.recordings.map((r) => r.id)).toEqual([recordingId]);
    const rec = await s.core.db.selectFrom('recordings').select('manifest_key').where('id', '=', recordingId).executeTakeFirstOrThrow();
    expect(manifest.recordings[0]!.manifestSha256).toBe(sha256Hex(await s.core.store.get(rec.manifest_key!)));

    // Frozen: every edit refused and audited, an annotation accepted and audited.
    const edits = [
      st.call('commander', 'POST', `/cases/${caseId}/actions`, { kind: 'inquiry', stage: 'investigation', at: daysAgo(35) }),
      st.call('commander', 'POST', `/cases/${caseId}/actions/${seizure}/links`, { recordingId }),
      st.call('commander', 'POST', `/cases/${caseId}/actions/${seizure}/reason`, { reason: 'privacy' }),
      st.call('commander', 'POST', `/cases/${caseId}/members`, { badge: 'R9', role: 'reviewer' }),
      st.call('custodian', 'POST', `/cases/${caseId}/archive`),
    ];
    for (const res of await Promise.all(edits)) expect(res).toEqual({ status: 409, body: { error: 'case_archived' } });
    const note = await st.call('custodian', 'POST', `/cases/${caseId}/annotations`, { text: '评查意见：音像记录完整。' });
    expect(note.status).toBe(201);

    const events = await s.core.db.selectFrom('audit_events').select(['action', 'outcome', 'detail']).where('subject', '=', caseId).orderBy('seq').execute();
    const refusedArchived = events.filter((x) => x.outcome === 'refused' && (JSON.parse(x.detail) as { reason?: string }).reason === 'case_archived').map((x) => x.action);
    expect(refusedArchived.sort()).toEqual(['case.action.add', 'case.archive', 'case.link', 'case.member.add', 'case.reason']);
    expect(events.filter((x) => x.outcome === 'ok').map((x) => x.action)).toEqual(['case.create', 'case.action.add', 'case.link', 'case.end', 'case.archive', 'case.annotate']);
    const detail = await st.ok('commander', 'GET', `/cases/${caseId}`);
    expect(detail.annotations).toEqual([expect.objectContaining({ text: '评查意见：音像记录完整。' })]);
    expect(detail.case.archivedAt).not.toBeNull();
  });

  it('refuses to archive a case that has not ended', async () => {
    const caseId = await st.newCase(`2026-OPEN-${dialect}`);
    expect(await st.call('custodian', 'POST', `/cases/${caseId}/archive`)).toEqual({ status: 409, body: { error: 'case_not_ended' } });
    const verification = await st.ok('commander', 'GET', `/cases/${caseId}/verification`);
    expect(verification).toMatchObject({ ok: false, problems: [{ what: 'not_archived' }] });
  });
});

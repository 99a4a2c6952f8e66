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
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../server/crypto/hash.ts';
import { sql } from 'kysely';
import type { Role } from '../../server/db/schema.ts';
import { objectKeys } from '../../server/ledger/object-keys.ts';
import type { RunningServer } from '../../server/liuhen.ts';
import { dropTriggers } from '../helpers/append-only.ts';
import { runCli } from '../helpers/cli.ts';
import { freshPostgresDatabase } from '../helpers/postgres.ts';
import { sealedRecording } from '../helpers/sealed-recording.ts';
import { startTestServer, testEnv } from '../helpers/server.ts';
import { signedInUser } from '../helpers/viewing.ts';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const daysAgo = (days: number) => new Date(Date.now() - days * DAY_MS).toISOString();
const iso = (ms: number) => new Date(ms).toISOString();

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
  return { add, call, ok, newCase, findings };
}
type Staff = Awaited<ReturnType<typeof staffOf>>;

let server: RunningServer;
let env: Record<string, string>;
let staff: Staff;
/** A bodycam recording with a network gap between two segments, sealed with its chain (cases, not ingest, are under test). */
let gapped: { id: string; gapIdx: number; startedAt: string };

beforeAll(async () => {
  env = await testEnv();
  server = await startTestServer(env);
  staff = await staffOf(server);
  const { device } = await server.core.devices.add({ kind: 'bodycam', officerBadge: 'P1', unit: 'U1' }, 'test');
  const id = await sealedRecording(server, device, new Date(Date.now() - 600_000), { gap: true });
  const rec = await server.core.db.selectFrom('recordings').select('started_at').where('id', '=', id).executeTakeFirstOrThrow();
  const gap = await server.core.db.selectFrom('ledger_entries').select('idx').where('recording_id', '=', id).where('kind', '=', 'gap').executeTakeFirstOrThrow();
  gapped = { id, gapIdx: gap.idx, startedAt: rec.started_at };
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
    await staff.ok('commander', 'POST', `/cases/${caseId}/actions/${id}/links`, {
      deviceId: (await server.core.db.selectFrom('recordings').select('device_id').where('id', '=', gapped.id).executeTakeFirstOrThrow()).device_id,
      from: before,
      to: new Date().toISOString(),
    });
    expect((await staff.findings(caseId)).map((f) => f.kind)).toEqual(['recorded_after_action']);
  });

  it('lets a reviewer on the case replay its recording, and no other reviewer', async () => {
    const caseId = await staff.newCase('2026-REV-1');
    const { id } = await staff.ok('commander', 'POST', `/cases/${caseId}/actions`, { kind: 'inspection', stage: 'investigation', at: gapped.startedAt });
    await staff.ok('commander', 'POST', `/cases/${caseId}/actions/${id}/links`, { recordingId: gapped.id });
    expect((await staff.call('member', 'POST', '/playback-sessions', { recordingId: gapped.id })).status).toBe(403);
    await staff.ok('custodian', 'POST', `/cases/${caseId}/members`, { badge: 'R1', role: 'reviewer' });
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

/** The refusals of one action on a case, as audited: [outcome, reason]. */
async function auditedOf(s: RunningServer, caseId: string, action: string) {
  const events = await s.core.db.selectFrom('audit_events').select(['outcome', 'detail']).where('subject', '=', caseId).where('action', '=', action).orderBy('seq').execute();
  return events.map((e) => [e.outcome, (JSON.parse(e.detail) as { reason?: string }).reason ?? null]);
}

describe('what a case may reach', () => {
  it('gives a reviewer membership only by the custodian’s act, and only to an active reviewer', async () => {
    const caseId = await staff.newCase('2026-MEM-1');
    const members = `/cases/${caseId}/members`;
    // A reviewer member replays everything the case links: a commander cannot give that, as they cannot share.
    expect(await staff.call('commander', 'POST', members, { badge: 'R1', role: 'reviewer' })).toEqual({ status: 403, body: { error: 'forbidden' } });
    await staff.ok('commander', 'POST', members, { badge: 'P1', role: 'officer' });
    // A commander's badge, a badge nobody has, a reviewer no longer active: none becomes a reviewer member.
    await staff.add('gone', 'reviewer', 'U1', 'R3');
    await server.core.db.updateTable('users').set({ state: 'disabled' }).where('badge', '=', 'R3').execute();
    for (const badge of ['K1', 'NOBODY', 'R3']) {
      expect(await staff.call('custodian', 'POST', members, { badge, role: 'reviewer' })).toEqual({ status: 400, body: { error: 'not_a_reviewer' } });
    }
    await staff.ok('custodian', 'POST', members, { badge: 'R1', role: 'reviewer' });
    expect((await staff.ok('commander', 'GET', `/cases/${caseId}`)).members.map((m: { badge: string }) => m.badge)).toEqual(['P1', 'R1']);
    const reasons = await auditedOf(server, caseId, 'case.member.add');
    expect(reasons[0]).toEqual(['refused', expect.stringContaining('custodian')]);
    expect(reasons.slice(1)).toEqual([
      ['ok', null],
      ['refused', 'not_a_reviewer'],
      ['refused', 'not_a_reviewer'],
      ['refused', 'not_a_reviewer'],
      ['ok', null],
    ]);
  });

  it('bounds a device window: 24 h at most, within an hour of its action', async () => {
    const caseId = await staff.newCase('2026-WIN-1');
    const at = Date.now() - 3 * DAY_MS;
    const { id } = await staff.ok('commander', 'POST', `/cases/${caseId}/actions`, { kind: 'inspection', stage: 'investigation', at: iso(at), endedAt: iso(at + HOUR_MS) });
    const links = `/cases/${caseId}/actions/${id}/links`;
    const { device_id: deviceId } = await server.core.db.selectFrom('recordings').select('device_id').where('id', '=', gapped.id).executeTakeFirstOrThrow();
    const window = (from: number, to: number) => staff.call('commander', 'POST', links, { deviceId, from: iso(from), to: iso(to) });

    expect(await window(at - DAY_MS, at + DAY_MS)).toEqual({ status: 400, body: { error: 'invalid_input' } });
    expect(await window(at - 12 * HOUR_MS, at + 12 * HOUR_MS + 1)).toEqual({ status: 400, body: { error: 'invalid_input' } });
    // Short, but a day away from the action, before or after it.
    expect(await window(at - DAY_MS, at - DAY_MS + HOUR_MS)).toEqual({ status: 400, body: { error: 'link_window_off_action' } });
    expect(await window(at - 3 * HOUR_MS, at - HOUR_MS)).toEqual({ status: 400, body: { error: 'link_window_off_action' } });
    expect(await window(at + 2 * HOUR_MS, at + 3 * HOUR_MS)).toEqual({ status: 400, body: { error: 'link_window_off_action' } });
    // Within the hour either side (of the start, and of the end), and a full day: accepted.
    expect((await window(at - 2 * HOUR_MS, at - HOUR_MS + 60_000)).status).toBe(201);
    expect((await window(at + 2 * HOUR_MS - 60_000, at + 3 * HOUR_MS)).status).toBe(201);
    expect((await window(at - 12 * HOUR_MS, at + 12 * HOUR_MS)).status).toBe(201);
    expect((await staff.ok('commander', 'GET', `/cases/${caseId}`)).actions[0].links).toHaveLength(3);
    expect((await auditedOf(server, caseId, 'case.link')).filter(([o]) => o === 'refused')).toEqual(Array(3).fill(['refused', 'link_window_off_action']));
  });

  it('refuses times more than 5 minutes ahead, and an approval or an end before the case began', async () => {
    const caseId = await staff.newCase('2026-TIME-1', { emergency: true, initiatedAt: daysAgo(2) });
    const ahead = iso(Date.now() + 10 * 60_000);
    const future = { status: 400, body: { error: 'time_in_future' } };
    const act = (path: string, body: unknown) => staff.call('commander', 'POST', `/cases/${caseId}/${path}`, body);

    expect(await act('actions', { kind: 'inquiry', stage: 'investigation', at: ahead })).toEqual(future);
    expect(await act('actions', { kind: 'inquiry', stage: 'investigation', at: daysAgo(1), endedAt: ahead })).toEqual(future);
    expect(await act('stages', { stage: 'investigation', event: 'start', at: ahead })).toEqual(future);
    expect(await act('approve-emergency', { at: ahead })).toEqual(future);
    expect(await act('approve-emergency', { at: daysAgo(3) })).toEqual({ status: 409, body: { error: 'approval_before_start' } });
    expect(await act('end', { at: ahead })).toEqual(future);
    expect(await act('end', { at: daysAgo(3) })).toEqual({ status: 409, body: { error: 'case_ends_before_start' } });
    for (const action of ['case.action.add', 'case.stage.start', 'case.end']) expect((await auditedOf(server, caseId, action)).map(([o]) => o)).not.toContain('ok');

    // A phone's clock a minute ahead is no backdating: accepted.
    const soon = iso(Date.now() + 60_000);
    expect((await act('actions', { kind: 'inquiry', stage: 'investigation', at: soon })).status).toBe(201);
    expect((await act('stages', { stage: 'investigation', event: 'start', at: soon })).status).toBe(200);
    expect((await act('approve-emergency', { at: daysAgo(1) })).status).toBe(200);
    expect((await act('end', { at: soon })).status).toBe(200);
    expect(await auditedOf(server, caseId, 'case.approve')).toEqual([
      ['refused', 'time_in_future'],
      ['refused', 'approval_before_start'],
      ['ok', null],
    ]);
    expect(await auditedOf(server, caseId, 'case.end')).toEqual([
      ['refused', 'time_in_future'],
      ['refused', 'case_ends_before_start'],
      ['ok', null],
    ]);

    // The same holds when the case is made with its times.
    const create = (caseNo: string, extra: Record<string, unknown>) => staff.call('commander', 'POST', '/cases', { caseNo, unit: 'U1', title: '时间', ...extra });
    expect(await create('2026-TIME-2', { initiatedAt: ahead })).toEqual(future);
    expect(await create('2026-TIME-3', { initiatedAt: daysAgo(2), emergency: true, approvedAt: ahead })).toEqual(future);
    expect(await create('2026-TIME-4', { initiatedAt: daysAgo(2), emergency: true, approvedAt: daysAgo(3) })).toEqual({ status: 400, body: { error: 'approval_before_start' } });
    expect((await create('2026-TIME-5', { initiatedAt: daysAgo(2), emergency: true, approvedAt: daysAgo(1) })).status).toBe(201);
  });

  it('lists a reviewer’s case recordings however many the case links (no id list in the query)', async () => {
    // Its own unit, so the other tests' lists and cases never meet these rows.
    await staff.add('custodian9', 'custodian', 'U9', 'C9');
    await staff.add('reviewer9', 'reviewer', 'U9', 'R9');
    const { device } = await server.core.devices.add({ kind: 'fixed', unit: 'U9' }, 'test');
    const day = Date.parse('2020-01-01T00:00:00.000Z');
    const caseId = (await staff.ok('custodian9', 'POST', '/cases', { caseNo: '2026-BULK-1', unit: 'U9', title: '大厅' })).id as string;
    const { id } = await staff.ok('custodian9', 'POST', `/cases/${caseId}/actions`, { kind: 'application_acceptance', stage: 'initiation', at: iso(day + 12 * HOUR_MS) });
    await staff.ok('custodian9', 'POST', `/cases/${caseId}/actions/${id}/links`, { deviceId: device.id, from: iso(day), to: iso(day + DAY_MS) });
    await staff.ok('custodian9', 'POST', `/cases/${caseId}/members`, { badge: 'R9', role: 'reviewer' });
    // More recordings in the window than SQLite takes parameters in one statement (32 766).
    const count = 33_000;
    await sql`
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${count})
      INSERT INTO recordings (id, device_id, started_at, ended_at, state, header_line, head_link, entry_count, segment_count, gap_count, duration_ms, checkpointed_count, unit)
      SELECT 'rec-bulk' || i, ${device.id}, strftime('%Y-%m-%dT%H:%M:%fZ', '2020-01-01T00:00:00', '+' || (2 * i) || ' seconds'),
             strftime('%Y-%m-%dT%H:%M:%fZ', '2020-01-01T00:00:01', '+' || (2 * i) || ' seconds'), 'closed', '{}', '', 0, 0, 0, 1000, 0, 'U9'
      FROM n`.execute(server.core.db);

    const listed = await staff.call('reviewer9', 'GET', '/recordings');
    expect(listed.status).toBe(200);
    expect(listed.body.recordings).toHaveLength(500);
    expect(listed.body.recordings[0]).toMatchObject({ id: `rec-bulk${count}`, unit: 'U9' });
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
    const { device } = await s.core.devices.add({ kind: 'bodycam', officerBadge: 'P2', unit: 'U1' }, 'test');
    recordingId = await sealedRecording(s, device, new Date(Date.now() - 60_000));
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
    const manifest = JSON.parse(bytes.toString()) as {
      signingKey: string;
      case: { caseNo: string };
      recordings: { id: string; manifestKey: string; manifestSha256: string }[];
      actions: { id: string; links: unknown[] }[];
      findings: Finding[];
    };
    const pem = await s.core.store.get(objectKeys.publicKey(manifest.signingKey));
    expect(sha256Hex(bytes)).toBe(archived.sha256);
    expect(verifySignature(null, bytes, pem.toString(), signature)).toBe(true);
    expect(verifySignature(null, Buffer.concat([bytes, Buffer.from(' ')]), pem.toString(), signature)).toBe(false);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'liuhen-case-'));
    for (const [name, data] of [
      ['manifest.json', bytes],
      ['manifest.json.sig', signature],
      ['key.pem', pem],
    ] as const)
      fs.writeFileSync(path.join(dir, name), data);
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
      st.call('commander', 'POST', `/cases/${caseId}/members`, { badge: 'P9', role: 'officer' }),
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

  it('freezes the links at archiving: a recording sealed later in the window joins the open case, not the archived one', async () => {
    const { device } = await s.core.devices.add({ kind: 'bodycam', officerBadge: 'P3', unit: 'U1' }, 'test');
    const at = Date.now() - 2 * HOUR_MS;
    const before = await sealedRecording(s, device, new Date(at - 60_000));
    const linkedCase = async (caseNo: string, reviewer: string) => {
      const caseId = await st.newCase(caseNo, { initiatedAt: iso(at - HOUR_MS) });
      const { id } = await st.ok('commander', 'POST', `/cases/${caseId}/actions`, { kind: 'inspection', stage: 'investigation', at: iso(at) });
      await st.ok('commander', 'POST', `/cases/${caseId}/actions/${id}/links`, { deviceId: device.id, from: iso(at - 10 * 60_000), to: iso(at + HOUR_MS) });
      await st.ok('custodian', 'POST', `/cases/${caseId}/members`, { badge: reviewer, role: 'reviewer' });
      return { caseId, actionId: id as string };
    };
    const frozen = await linkedCase(`2026-FRZ-${dialect}`, 'R1');
    const open = await linkedCase(`2026-LIVE-${dialect}`, 'R2');
    await st.ok('commander', 'POST', `/cases/${frozen.caseId}/end`, {});
    await st.ok('custodian', 'POST', `/cases/${frozen.caseId}/archive`);

    // Uploaded after the manifest was signed, made inside both windows, with a gap nobody explained.
    const after = await sealedRecording(s, device, new Date(at + 30 * 60_000), { gap: true });

    const detail = async (caseId: string) => {
      const d = await st.ok('commander', 'GET', `/cases/${caseId}`);
      return { recordings: d.recordings.map((r: { id: string }) => r.id), action: d.actions[0].recordingIds };
    };
    expect(await detail(frozen.caseId)).toEqual({ recordings: [before], action: [before] });
    expect(await detail(open.caseId)).toEqual({ recordings: [before, after], action: [before, after] });
    expect((await st.findings(frozen.caseId)).filter((f) => f.recordingId === after)).toEqual([]);
    expect(await st.findings(open.caseId)).toContainEqual(expect.objectContaining({ kind: 'gap_without_reason', recordingId: after }));

    // Replay: the archived case's reviewer keeps what was filed and gains nothing; the open case's reviewer gets both.
    const replay = async (who: string, recordingId: string) => (await st.call(who, 'POST', '/playback-sessions', { recordingId })).status;
    expect([await replay('member', before), await replay('member', after)]).toEqual([201, 403]);
    expect([await replay('outsider', before), await replay('outsider', after)]).toEqual([201, 201]);
    const listed = async (who: string) => (await st.ok(who, 'GET', '/recordings')).recordings.map((r: { id: string }) => r.id) as string[];
    expect(await listed('member')).toContain(before);
    expect(await listed('member')).not.toContain(after);
    expect(await listed('outsider')).toEqual(expect.arrayContaining([before, after]));

    // The frozen rows are what the manifest signed, and verification says so when they are not.
    const verification = () => st.ok('commander', 'GET', `/cases/${frozen.caseId}/verification`);
    expect(await verification()).toMatchObject({ ok: true, recordings: 1 });
    const link = await s.core.db.selectFrom('case_archived_links').select('link_id').where('case_id', '=', frozen.caseId).executeTakeFirstOrThrow();
    // The database refuses to change frozen links; an owner who drops the triggers first is caught by verification.
    await dropTriggers(s.core.db, dialect, 'case_archived_links');
    await s.core.db.insertInto('case_archived_links').values({ case_id: frozen.caseId, action_id: frozen.actionId, link_id: link.link_id, recording_id: after }).execute();
    expect(await verification()).toMatchObject({
      ok: false,
      problems: [expect.objectContaining({ what: 'frozen_links', message: expect.stringContaining(after) }), expect.objectContaining({ what: 'frozen_links' })],
    });
    await s.core.db.deleteFrom('case_archived_links').where('case_id', '=', frozen.caseId).where('recording_id', '=', after).execute();
    expect((await verification()).ok).toBe(true);
  });

  it('refuses to archive a case that has not ended', async () => {
    const caseId = await st.newCase(`2026-OPEN-${dialect}`);
    expect(await st.call('custodian', 'POST', `/cases/${caseId}/archive`)).toEqual({ status: 409, body: { error: 'case_not_ended' } });
    const verification = await st.ok('commander', 'GET', `/cases/${caseId}/verification`);
    expect(verification).toMatchObject({ ok: false, problems: [{ what: 'not_archived' }] });
  });
});

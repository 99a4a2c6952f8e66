/**
 * Parties over the real HTTP API (000 §21–22, 001 §36–37, 004 §18): real recordings sealed from a
 * prepared clip, their marked variants made by the worker handler, a party's request decided by
 * the agency head, the room a custodian supervises. Whatever the party has not been granted —
 * no approval, after the window, beyond the count, while paused, another party's room, a labelled
 * recording without a redaction — yields no media byte, and each step is in the audit log.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../server/audit/audit-log.ts';
import { UserRegistry } from '../../server/auth/user-registry.ts';
import { type Db, openDatabase } from '../../server/db/database.ts';
import { repositoriesOf } from '../../server/db/repositories.ts';
import { StateConflict, wasAudited } from '../../server/errors.ts';
import { decisionSchema, PartyRequests } from '../../server/party/party-requests.ts';
import { ViewingRooms } from '../../server/party/viewing-rooms.ts';
import { sha256Hex } from '../../server/crypto/hash.ts';
import type { AuditEvent, PartyRequest, Recording } from '../../server/db/schema.ts';
import type { RunningServer } from '../../server/liuhen.ts';
import { exportPartyCopy } from '../../workers/export-party-copy.ts';
import { recordingRedact } from '../../workers/redact-recording.ts';
import type { WorkerDeps } from '../../workers/job-handler.ts';
import { apiFetch, looksLikeMedia } from '../helpers/http.ts';
import { apiOf, approval, deriveMarked, recordClosed, segmentUrls, setLabel, workerDeps } from '../helpers/party-flow.ts';
import { freshPostgresDatabase } from '../helpers/postgres.ts';
import { seedRecordings } from '../helpers/seeded-recordings.ts';
import { hashWithoutCounters } from '../helpers/served-segment.ts';
import { startTestServer, testEnv } from '../helpers/server.ts';
import { PASSWORD, type SignedIn, signedInUser } from '../helpers/viewing.ts';
import { waitFor } from '../helpers/wait.ts';

let server: RunningServer;
let deps: WorkerDeps;
let api: ReturnType<typeof apiOf>;
/** marked variants made */
let marked: Recording;
/** no variants made: used for labels and redactions */
let other: Recording;
let party: SignedIn;
let otherParty: SignedIn;
let custodian: SignedIn;
let head: SignedIn;

beforeAll(async () => {
  server = await startTestServer(await testEnv({ LIUHEN_GRACE_SECONDS: '1' }));
  deps = workerDeps(server);
  api = apiOf(server);
  [marked, other] = await Promise.all([recordClosed(server, 'u1', 'PA-1', 6), recordClosed(server, 'u1', 'PA-2', 6)]);
  await deriveMarked(deps, marked.id);
  party = await signedInUser(server, 'party', 'u1', 'P-1', { name: '王当事' });
  otherParty = await signedInUser(server, 'party', 'u1', 'P-2', { name: '赵另方' });
  custodian = await signedInUser(server, 'custodian', 'u1', 'K-1', { clearances: ['privacy', 'trade_secret'] });
  head = await signedInUser(server, 'agency_head', 'u1', 'H-1');
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

const play = (url: string) => fetch(url).then(async (res) => ({ status: res.status, body: Buffer.from(await res.arrayBuffer()) }));

async function newRequest(who: SignedIn, recordingIds: string[], kind: 'view' | 'copy' = 'view', extra: Record<string, unknown> = {}): Promise<string> {
  const res = await api<{ requestId: string; state: string }>(who, 'party-requests', { kind, recordingIds, reason: '核对现场检查经过', ...extra });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  expect(res.body.state).toBe('pending');
  return res.body.requestId;
}

async function approved(recordingIds: string[], over: Record<string, unknown> = {}, untilMs?: number): Promise<string> {
  const id = await newRequest(party, recordingIds, over.copyAllowed ? 'copy' : 'view');
  const res = await api(head, `party-requests/${id}/decision`, approval(recordingIds, over, untilMs));
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return id;
}

/** A room of the request that the custodian has joined. */
async function openRoom(requestId: string): Promise<string> {
  const made = await api<{ roomId: string; state: string }>(party, `party-requests/${requestId}/rooms`, {});
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  expect(made.body.state).toBe('waiting');
  const joined = await api<{ state: string }>(custodian, `rooms/${made.body.roomId}/join`, {});
  expect([joined.status, joined.body.state]).toEqual([200, 'open']);
  return made.body.roomId;
}

async function sessionIn(roomId: string, recordingId: string) {
  const res = await api<{ sessionId: string; playlistUrl: string; expiresAt: string; watermark: { viewerName: string } }>(party, `rooms/${roomId}/playback-sessions`, { recordingId });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

const eventsOf = async (subject: string): Promise<AuditEvent[]> => server.core.audit.query({ subject, limit: 1000 });
const detailOf = (e: AuditEvent) => JSON.parse(e.detail) as Record<string, unknown>;
const segmentEvents = async (sessionId: string) =>
  await server.core.db.selectFrom('audit_events').selectAll().where('session_id', '=', sessionId).where('action', '=', 'playback.segment').orderBy('seq').execute();

describe('without approval', () => {
  it('the party gets no session and no byte, and only the unit’s agency head decides, once', async () => {
    const id = await newRequest(party, [marked.id]);
    expect((await api(party, `party-requests/${id}/rooms`, {})).status).toBe(409);
    // The ordinary replay route is not a party's way in.
    expect((await api(party, 'playback-sessions', { recordingId: marked.id })).status).toBe(403);
    // A made-up session: refused whatever its signature.
    const forged = await play(`http://127.0.0.1:${server.httpPort}/play/ps-forged1/${marked.id}/1.ts?v=mark&exp=9999999999&sig=${'0'.repeat(64)}`);
    expect(forged.status).toBe(401);
    expect(looksLikeMedia(forged.body)).toBe(false);

    expect((await api(custodian, `party-requests/${id}/decision`, { decision: 'refuse', note: '不予同意' })).status).toBe(403);
    expect((await api(party, `party-requests/${id}/decision`, { decision: 'refuse', note: '不予同意' })).status).toBe(403);
    const refused = await api<{ state: string }>(head, `party-requests/${id}/decision`, { decision: 'refuse', note: '涉及他人隐私' });
    expect([refused.status, refused.body.state]).toEqual([200, 'refused']);
    const again = await api(head, `party-requests/${id}/decision`, approval([marked.id]));
    expect([again.status, again.body.error]).toEqual([409, 'request_decided']);
    expect((await api(party, `party-requests/${id}/rooms`, {})).body.error).toBe('request_not_approved');

    const trail = (await eventsOf(id)).map((e) => `${e.action}:${e.outcome}`);
    expect(trail).toEqual(['party.request:ok', 'room.create:refused', 'party.decision:refused', 'party.decision:refused', 'party.decision:ok', 'party.decision:refused', 'room.create:refused']);
  });

  it('a party sees only their own requests; staff ask for a named party', async () => {
    const id = await newRequest(party, [marked.id]);
    expect((await api(otherParty, `party-requests/${id}`)).status).toBe(403);
    const theirs = await api<{ requests: { requestId: string }[] }>(otherParty, 'party-requests');
    expect(theirs.body.requests.map((r) => r.requestId)).not.toContain(id);
    const mine = await api<{ requests: { requestId: string }[] }>(party, 'party-requests');
    expect(mine.body.requests.map((r) => r.requestId)).toContain(id);

    const onBehalf = await api<{ requestId: string; party: { badge: string }; requestedBy: string }>(custodian, 'party-requests', {
      kind: 'view',
      recordingIds: [marked.id],
      reason: '代为申请',
      partyBadge: 'P-2',
    });
    expect(onBehalf.status).toBe(201);
    expect(onBehalf.body.party.badge).toBe('P-2');
    expect(onBehalf.body.requestedBy).toBe(`user:${custodian.userId}`);
    // A party does not ask for someone else.
    expect((await api(party, 'party-requests', { kind: 'view', recordingIds: [marked.id], reason: 'x', partyBadge: 'P-2' })).status).toBe(403);
    // Staff name only an active party of their unit; a staff member, another unit's party and a
    // badge nobody has get one and the same answer.
    await server.core.users.add({ role: 'party', unit: 'u2', badge: 'P-U2', name: '钱他方', password: PASSWORD, clearances: [] }, 'test');
    for (const badge of ['P-U2', 'P-NOBODY', 'K-1']) {
      const answer = await api(custodian, 'party-requests', { kind: 'view', recordingIds: [marked.id], reason: '代为申请', partyBadge: badge });
      expect([answer.status, answer.body]).toEqual([404, { error: 'user_not_found' }]);
    }
  });
});

describe('asking for recordings', () => {
  it('answers another unit’s recording or case exactly as one that does not exist, and a role that may not ask before either', async () => {
    await seedRecordings(
      server.core.db,
      [{ id: 'dev-elsewhere1', kind: 'bodycam', officer: 'O-ELSE', unit: 'u2' }],
      [{ id: 'rec-elsewhere1', device: 'dev-elsewhere1', startedAt: '2026-03-01T01:00:00.000Z', durationMs: 60_000, late: false, flags: [] }],
    );
    const at = new Date().toISOString();
    await server.core.db
      .insertInto('cases')
      .values({
        id: 'case-elsewhere1',
        case_no: 'U2-PARTY-1',
        unit: 'u2',
        title: '他单位案卷',
        emergency: 0,
        initiated_at: at,
        approved_at: null,
        ended_at: null,
        archived_at: null,
        archived_by: null,
        manifest_key: null,
        created_by: 'test',
        created_at: at,
      })
      .execute();
    const ask = (who: SignedIn, recordingIds: string[], extra: Record<string, unknown> = {}) =>
      api(who, 'party-requests', { kind: 'view', recordingIds, reason: '核对', ...(who === party ? {} : { partyBadge: 'P-1' }), ...extra });
    const notFound = [404, { error: 'recording_not_found' }];
    for (const who of [party, custodian]) {
      const answers = await Promise.all([ask(who, ['rec-nosuch1']), ask(who, ['rec-elsewhere1']), ask(who, [marked.id, 'rec-elsewhere1'])]);
      expect(answers.map((a) => [a.status, a.body])).toEqual([notFound, notFound, notFound]);
      const cases = await Promise.all([ask(who, [marked.id], { caseId: 'case-nosuch1' }), ask(who, [marked.id], { caseId: 'case-elsewhere1' })]);
      expect(cases.map((a) => [a.status, a.body])).toEqual([
        [404, { error: 'case_not_found' }],
        [404, { error: 'case_not_found' }],
      ]);
    }
    // A role that makes no requests learns nothing about the ids either.
    for (const ids of [['rec-nosuch1'], ['rec-elsewhere1'], [marked.id]])
      expect((await api(head, 'party-requests', { kind: 'view', recordingIds: ids, reason: '核对', partyBadge: 'P-1' })).status).toBe(403);

    const refusals = (await server.core.audit.query({ action: 'party.request', limit: 1000 })).filter((e) => e.outcome === 'refused');
    const bySubject = (subject: string) => refusals.filter((e) => e.subject === subject).map((e) => [e.actor, detailOf(e).reason]);
    const twice = (reason: string) => [
      [`user:${party.userId}`, reason],
      [`user:${custodian.userId}`, reason],
    ];
    expect(bySubject('rec-nosuch1').sort()).toEqual(twice('recording_not_found').sort());
    expect(bySubject('rec-elsewhere1').sort()).toEqual([...twice('recording_not_found'), ...twice('recording_not_found')].sort());
    expect(bySubject('case-elsewhere1').sort()).toEqual(twice('case_not_found').sort());
    expect(refusals.filter((e) => e.actor === `user:${head.userId}`).map((e) => [e.subject, e.outcome])).toEqual([
      [null, 'refused'],
      [null, 'refused'],
      [null, 'refused'],
    ]);
  });
});

describe('an approved viewing', () => {
  let requestId: string;
  let roomId: string;

  beforeAll(async () => {
    requestId = await approved([marked.id]);
  });

  it('stays closed until a custodian joins, then serves only the marked variants', async () => {
    const made = await api<{ roomId: string; state: string; recordings: { recordingId: string }[] }>(party, `party-requests/${requestId}/rooms`, {});
    expect(made.status).toBe(201);
    roomId = made.body.roomId;
    expect(made.body.recordings.map((r) => r.recordingId)).toEqual([marked.id]);
    // One room at a time.
    expect((await api(party, `party-requests/${requestId}/rooms`, {})).body.error).toBe('room_active');
    // 403 as any refusal, with the reason the party's page puts in words.
    const early = await api(party, `rooms/${roomId}/playback-sessions`, { recordingId: marked.id });
    expect([early.status, early.body]).toEqual([403, { error: 'forbidden', reason: 'room_not_open' }]);
    // Only a custodian of the unit supervises.
    expect((await api(head, `rooms/${roomId}/join`, {})).status).toBe(403);
    expect((await api(party, `rooms/${roomId}/join`, {})).status).toBe(403);

    const joined = await api<{ state: string; supervisor: { userId: string }; viewingsUsed: number; viewingsLeft: number }>(custodian, `rooms/${roomId}/join`, {});
    expect(joined.body).toMatchObject({ state: 'open', supervisor: { userId: custodian.userId }, viewingsUsed: 1, viewingsLeft: 1 });

    const session = await sessionIn(roomId, marked.id);
    expect(session.watermark.viewerName).toBe('王当事');
    // Outside the approved scope: no session, and no word on why.
    const outside = await api(party, `rooms/${roomId}/playback-sessions`, { recordingId: other.id });
    expect([outside.status, outside.body]).toEqual([403, { error: 'forbidden' }]);
    const urls = await segmentUrls(server, session.playlistUrl);
    expect(urls.length).toBe(marked.segment_count);
    expect(urls.every((u) => new URL(u).searchParams.get('v') === 'mark')).toBe(true);

    const first = await play(urls[0]!);
    expect(first.status).toBe(200);
    const idx = Number(/\/(\d+)\.ts/.exec(urls[0]!)![1]);
    const variants = await server.core.db
      .selectFrom('derivatives')
      .select(['kind', 'sha256'])
      .where('recording_id', '=', marked.id)
      .where('idx', '=', idx)
      .where('kind', 'in', ['mark_a', 'mark_b'])
      .execute();
    const original = await server.core.db.selectFrom('ledger_entries').select('sha256').where('recording_id', '=', marked.id).where('idx', '=', idx).executeTakeFirstOrThrow();
    expect(variants.map((v) => v.sha256)).toContain(sha256Hex(first.body));
    expect(sha256Hex(first.body)).not.toBe(original.sha256);

    // The URL asking for the original instead, or another recording, is refused: the signature covers it.
    const asOriginal = new URL(urls[0]!);
    asOriginal.searchParams.delete('v');
    expect((await play(asOriginal.toString())).status).toBe(401);
    expect((await play(urls[0]!.replace(marked.id, other.id))).status).toBe(401);

    const served = await segmentEvents(session.sessionId);
    expect(served.filter((e) => e.outcome === 'ok').map((e) => detailOf(e).roomId)).toEqual([roomId]);
  });

  it('another party can neither see nor enter the room', async () => {
    expect((await api(otherParty, `rooms/${roomId}`)).status).toBe(403);
    expect((await api(otherParty, `rooms/${roomId}/playback-sessions`, { recordingId: marked.id })).status).toBe(403);
    expect((await api(otherParty, `party-requests/${requestId}/rooms`, {})).status).toBe(403);
    expect((await api(party, `rooms/${roomId}`)).status).toBe(200);
  });

  it('pause stops the next segment, resume serves again, end stops it for good', async () => {
    const session = await sessionIn(roomId, marked.id);
    const urls = await segmentUrls(server, session.playlistUrl);
    expect((await play(urls[0]!)).status).toBe(200);

    expect((await api(custodian, `rooms/${roomId}/pause`, {})).body.state).toBe('paused');
    const paused = await play(urls[1]!);
    expect(paused.status).toBe(403);
    expect(looksLikeMedia(paused.body)).toBe(false);
    expect((await fetch(`http://127.0.0.1:${server.httpPort}${session.playlistUrl}`)).status).toBe(403);
    expect((await api(party, `rooms/${roomId}/playback-sessions`, { recordingId: marked.id })).body).toEqual({ error: 'forbidden', reason: 'room_paused' });

    expect((await api(custodian, `rooms/${roomId}/resume`, {})).body.state).toBe('open');
    expect((await play(urls[1]!)).status).toBe(200);

    const ended = await api<{ state: string; endReason: string }>(custodian, `rooms/${roomId}/end`, {});
    expect(ended.body).toMatchObject({ state: 'ended', endReason: 'supervisor' });
    for (const url of urls) expect((await play(url)).status).toBe(403);
    expect((await api(custodian, `rooms/${roomId}/resume`, {})).body.error).toBe('room_ended');
    expect((await api(party, `rooms/${roomId}/playback-sessions`, { recordingId: marked.id })).body).toEqual({ error: 'forbidden', reason: 'room_ended' });

    const segments = await segmentEvents(session.sessionId);
    const refusedReasons = segments.filter((e) => e.outcome === 'refused').map((e) => detailOf(e).reason);
    expect(refusedReasons).toEqual(['room_paused', ...urls.map(() => 'room_ended')]);
    expect(segments.every((e) => detailOf(e).roomId === roomId)).toBe(true);
    const trail = (await eventsOf(requestId)).filter((e) => detailOf(e).roomId === roomId && e.outcome === 'ok').map((e) => e.action);
    expect(trail).toEqual(['room.create', 'room.join', 'room.pause', 'room.resume', 'room.end']);
  });
});

describe('the approved count and window', () => {
  it('a second viewing beyond maxViewings 1 is refused; a room nobody joined does not count', async () => {
    const id = await approved([marked.id], { maxViewings: 1 });
    const unjoined = await api<{ roomId: string }>(party, `party-requests/${id}/rooms`, {});
    expect((await api(custodian, `rooms/${unjoined.body.roomId}/end`, {})).body.state).toBe('ended');
    const roomId = await openRoom(id);
    const session = await sessionIn(roomId, marked.id);
    const [url] = await segmentUrls(server, session.playlistUrl);
    expect((await play(url!)).status).toBe(200);
    await api(custodian, `rooms/${roomId}/end`, {});

    const beyond = await api(party, `party-requests/${id}/rooms`, {});
    expect([beyond.status, beyond.body.error]).toEqual([409, 'viewings_used']);
    expect((await play(url!)).status).toBe(403);
    const detail = await api<{ viewingsUsed: number; viewingsLeft: number }>(party, `party-requests/${id}`);
    expect(detail.body).toMatchObject({ viewingsUsed: 1, viewingsLeft: 0 });
    const refused = (await eventsOf(id)).filter((e) => e.action === 'room.create' && e.outcome === 'refused');
    expect(refused.map((e) => detailOf(e).reason)).toEqual(['viewings_used']);
  });

  it('after the window closes the room ends by itself and no byte is served', async () => {
    const id = await approved([marked.id], {}, 6000);
    const until = Date.parse((await api<{ windowUntil: string }>(party, `party-requests/${id}`)).body.windowUntil);
    const roomId = await openRoom(id);
    const session = await sessionIn(roomId, marked.id);
    expect(Date.parse(session.expiresAt)).toBeLessThanOrEqual(until);
    const urls = await segmentUrls(server, session.playlistUrl);
    expect((await play(urls[0]!)).status).toBe(200);

    await sleep(Math.max(0, until - Date.now()) + 200);
    for (const url of urls) expect((await play(url)).status).not.toBe(200);
    const room = await api<{ state: string; endReason: string; endedAt: string }>(party, `rooms/${roomId}`);
    expect(room.body).toMatchObject({ state: 'ended', endReason: 'expired', endedAt: new Date(until).toISOString() });
    expect((await api(party, `party-requests/${id}/rooms`, {})).body.error).toBe('window_closed');
    const end = (await eventsOf(id)).filter((e) => e.action === 'room.end');
    expect(end.map((e) => [e.actor, detailOf(e)])).toEqual([['system:room-expiry', { roomId, reason: 'expired' }]]);
  });
});

describe('copies', () => {
  it('the party asks for a copy only under a copy approval, and follows only their own', async () => {
    const viewOnly = await approved([marked.id]);
    expect((await api(party, `party-requests/${viewOnly}/copies`, { recordingId: marked.id })).body).toEqual({ error: 'forbidden' });

    const id = await approved([marked.id], { copyAllowed: true });
    expect((await api(otherParty, `party-requests/${id}/copies`, { recordingId: marked.id })).status).toBe(403);
    const made = await api<{ exportId: string }>(party, `party-requests/${id}/copies`, { recordingId: marked.id });
    expect(made.status).toBe(201);
    const row = await server.core.db.selectFrom('exports').selectAll().where('id', '=', made.body.exportId).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ kind: 'party_copy', recording_id: marked.id, recipient: '王当事', approval_no: id, request_id: id, redaction_id: null });
    expect((await api(party, `exports/${row.id}`)).status).toBe(200);
    expect((await api(party, `exports/${row.id}/file`)).body.error).toBe('export_not_ready');
    expect((await api(otherParty, `exports/${row.id}`)).status).toBe(403);
    const listed = await api<{ copies: { exportId: string }[] }>(party, `party-requests/${id}`);
    expect(listed.body.copies.map((c) => c.exportId)).toEqual([row.id]);

    await exportPartyCopy({ exportId: row.id }, { jobId: row.job_id, progress: async () => undefined }, deps);
    const file = await apiFetch(server.httpPort, party, `exports/${row.id}/file`);
    expect(file.status).toBe(200);
    const stored = await server.core.db.selectFrom('exports').select('sha256').where('id', '=', row.id).executeTakeFirstOrThrow();
    expect(sha256Hex(Buffer.from(await file.arrayBuffer()))).toBe(stored.sha256);
    expect((await api(otherParty, `exports/${row.id}/file`)).status).toBe(403);
    const downloads = await server.core.audit.query({ action: 'export.download', subject: marked.id });
    expect(downloads.map((e) => [e.actor, e.outcome])).toEqual([
      [`user:${party.userId}`, 'refused'],
      [`user:${party.userId}`, 'ok'],
      [`user:${otherParty.userId}`, 'refused'],
    ]);
  });
});

describe('a confidential recording', () => {
  let requestId: string;
  let redactionId: string;

  it('is not approved for a party unless a ready redaction is chosen', async () => {
    expect(await setLabel(server, custodian, other.id, 'privacy')).toBe(204);
    requestId = await newRequest(party, [other.id]);
    const plain = await api(head, `party-requests/${requestId}/decision`, approval([other.id]));
    expect([plain.status, plain.body.error]).toEqual([409, 'confidential_needs_redaction']);

    const asked = await api<{ redactionId: string; jobId: string }>(custodian, `recordings/${other.id}/redactions`, {
      marks: { mute: [{ fromMs: 0, toMs: 2000 }], blur: [{ x: 0.1, y: 0.1, w: 0.3, h: 0.3, fromMs: 0, toMs: 4000 }] },
    });
    expect(asked.status, JSON.stringify(asked.body)).toBe(201);
    redactionId = asked.body.redactionId;
    const pending = await api(head, `party-requests/${requestId}/decision`, approval([other.id], { recordings: [{ recordingId: other.id, approved: true, redactionId }] }));
    expect([pending.status, pending.body.error]).toEqual([409, 'confidential_needs_redaction']);

    await recordingRedact({ redactionId }, { jobId: asked.body.jobId, progress: async () => undefined }, deps);
    await waitFor('the redaction to be ready', async () => (await server.core.db.selectFrom('redactions').select('state').where('id', '=', redactionId).executeTakeFirst())?.state === 'ready', 10_000);
    const ok = await api<{ state: string; recordings: { redactionId: string }[] }>(
      head,
      `party-requests/${requestId}/decision`,
      approval([other.id], { recordings: [{ recordingId: other.id, approved: true, redactionId }] }),
    );
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.recordings[0]!.redactionId).toBe(redactionId);

    const decisions = (await eventsOf(requestId)).filter((e) => e.action === 'party.decision');
    expect(decisions.map((e) => [e.outcome, detailOf(e).reason ?? detailOf(e).decision])).toEqual([
      ['refused', 'confidential_needs_redaction'],
      ['refused', 'confidential_needs_redaction'],
      ['ok', 'approve'],
    ]);
  });

  it('the party’s segments are the redaction’s marked segments, never the original’s', async () => {
    const roomId = await openRoom(requestId);
    const session = await sessionIn(roomId, other.id);
    const urls = await segmentUrls(server, session.playlistUrl);
    const redacted = await server.core.db.selectFrom('redacted_segments').select(['idx', 'variant', 'object_key', 'sha256']).where('redaction_id', '=', redactionId).execute();
    const originals = await server.core.db.selectFrom('ledger_entries').select(['object_key', 'sha256']).where('recording_id', '=', other.id).where('kind', '=', 'segment').execute();
    // Served segments carry continuity counters run on across the session: compared without them.
    const storedWithoutCounters = async (o: { object_key: string | null; sha256: string | null }) => {
      const bytes = await server.core.store.get(o.object_key!);
      expect(sha256Hex(bytes)).toBe(o.sha256);
      return hashWithoutCounters(bytes);
    };
    const originalHashes = await Promise.all(originals.map(storedWithoutCounters));
    for (const url of urls) {
      const got = await play(url);
      expect(got.status).toBe(200);
      const idx = Number(/\/(\d+)\.ts/.exec(url)![1]);
      const hash = hashWithoutCounters(got.body);
      expect(await Promise.all(redacted.filter((r) => r.idx === idx && r.variant !== 'plain').map(storedWithoutCounters))).toContain(hash);
      expect(originalHashes).not.toContain(hash);
    }
    const served = (await segmentEvents(session.sessionId)).filter((e) => e.outcome === 'ok');
    expect(served.length).toBe(urls.length);
    expect(served.every((e) => detailOf(e).roomId === roomId && detailOf(e).redactionId === redactionId)).toBe(true);
  });

  it('a party copy of it is made from the approved redaction', async () => {
    const id = await newRequest(party, [other.id], 'copy');
    const ok = await api(head, `party-requests/${id}/decision`, approval([other.id], { copyAllowed: true, recordings: [{ recordingId: other.id, approved: true, redactionId }] }));
    expect(ok.status).toBe(200);
    const made = await api<{ exportId: string }>(party, `party-requests/${id}/copies`, { recordingId: other.id });
    expect(made.status).toBe(201);
    const row = await server.core.db.selectFrom('exports').selectAll().where('id', '=', made.body.exportId).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ kind: 'party_copy', recording_id: other.id, request_id: id, redaction_id: redactionId });
    // The custodian's own route still gives no whole copy of a labelled recording.
    expect((await api(custodian, `recordings/${other.id}/exports`, { kind: 'party_copy', recipient: '王当事', approvalNo: id })).status).toBe(403);
  });

  it('a label changed after the approval voids it, redaction and all (the last test of the recording)', async () => {
    const id = await newRequest(party, [other.id], 'copy');
    const ok = await api(head, `party-requests/${id}/decision`, approval([other.id], { copyAllowed: true, recordings: [{ recordingId: other.id, approved: true, redactionId }] }));
    expect(ok.status).toBe(200);
    await expectVoidedByLabel(id, other.id, 'privacy', 'trade_secret');
  });
});

/**
 * Plays a segment of the recording in a new room of the approved copy request, relabels it, and
 * expects the party's next segment, a new session and a copy to be refused as `label_changed`.
 */
async function expectVoidedByLabel(requestId: string, recordingId: string, labelAtDecision: string | null, newLabel: string): Promise<void> {
  const scope = await server.core.db.selectFrom('party_request_recordings').selectAll().where('request_id', '=', requestId).executeTakeFirstOrThrow();
  expect(scope).toMatchObject({ recording_id: recordingId, approved: 1, confidentiality_at_decision: labelAtDecision });
  const roomId = await openRoom(requestId);
  const session = await sessionIn(roomId, recordingId);
  const urls = await segmentUrls(server, session.playlistUrl);
  expect((await play(urls[0]!)).status).toBe(200);

  expect(await setLabel(server, custodian, recordingId, newLabel)).toBe(204);
  const next = await play(urls[1]!);
  expect(next.status).toBe(403);
  expect(looksLikeMedia(next.body)).toBe(false);
  const again = await api(party, `rooms/${roomId}/playback-sessions`, { recordingId });
  expect([again.status, again.body]).toEqual([403, { error: 'forbidden', reason: 'label_changed' }]);
  const copy = await api(party, `party-requests/${requestId}/copies`, { recordingId });
  expect([copy.status, copy.body]).toEqual([403, { error: 'forbidden', reason: 'label_changed' }]);

  const segments = (await segmentEvents(session.sessionId)).filter((e) => e.outcome === 'refused');
  expect(segments.map((e) => detailOf(e).reason)).toEqual(['label_changed']);
  const refused = (await eventsOf(recordingId)).filter((e) => e.outcome === 'refused' && e.actor === `user:${party.userId}` && ['playback.session', 'export.request'].includes(e.action));
  expect(refused.slice(-2).map((e) => [e.action, detailOf(e).reason])).toEqual([
    ['playback.session', 'label_changed'],
    ['export.request', 'label_changed'],
  ]);
}

describe('a label set after the approval (the last test of the marked recording)', () => {
  it('voids it: no next segment, no new session, no copy', async () => {
    const id = await approved([marked.id], { copyAllowed: true });
    await expectVoidedByLabel(id, marked.id, null, 'privacy');
  });
});

describe.each([
  ['SQLite', async () => `sqlite:${path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'liuhen-party-')), 'liuhen.sqlite')}`],
  ['PostgreSQL', freshPostgresDatabase],
])('on %s', (_name, databaseUrl) => {
  it('decides a request once when two heads decide at once, and ends a room at its window’s end, swept or read', async () => {
    await withPendingRequest(databaseUrl, async ({ db, audit, requests, rooms, user, by, request, setClock }) => {
      const both = await Promise.allSettled([0, 1].map((i) => requests.decide(request, decision, { actor: `user:head-${i}` })));
      expect(both.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const lost = both.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(lost.reason).toBeInstanceOf(StateConflict);
      expect((lost.reason as StateConflict).code).toBe('request_decided');
      const approved = await requests.load(request.id);
      expect(approved).toMatchObject({ state: 'approved', max_viewings: 1, copy_allowed: 0 });

      const room = await rooms.create(approved, by);
      await rooms.step('join', room.id, 'usr-supervisor', { actor: 'user:usr-supervisor' });
      expect((await rooms.playDecision(room.id, 'rec-p1', user.id)).decision).toEqual({ allow: true });
      expect((await rooms.playDecision(room.id, 'rec-p1', 'usr-someone-else')).decision.allow).toBe(false);
      expect(await rooms.viewings(request.id)).toEqual({ used: 1, active: 1 });

      // The server's sweep ends rooms nobody reads: not before the window closes, at once after.
      const roomRow = () => db.selectFrom('viewing_rooms').selectAll().where('id', '=', room.id).executeTakeFirstOrThrow();
      setClock(new Date('2026-03-01T02:59:59.999Z'));
      await rooms.sweep();
      expect(await roomRow()).toMatchObject({ state: 'open', end_reason: null });
      setClock(new Date('2026-03-01T03:00:00.000Z'));
      await rooms.sweep();
      expect(await roomRow()).toMatchObject({ state: 'ended', end_reason: 'expired', ended_at: '2026-03-01T03:00:00.000Z' });
      expect((await rooms.playDecision(room.id, 'rec-p1', user.id)).decision).toEqual({ allow: false, reason: 'window_closed' });
      expect((await rooms.load(room.id)).room).toMatchObject({ state: 'ended', end_reason: 'expired', ended_at: '2026-03-01T03:00:00.000Z' });
      expect(await rooms.list('u1', ['ended'])).toHaveLength(1);
      await audit.flush();
      const ends = await audit.query({ action: 'room.end' });
      expect(ends.map((e) => [e.actor, e.subject, JSON.parse(e.detail)])).toEqual([['system:room-expiry', request.id, { roomId: room.id, reason: 'expired' }]]);
    });
  });

  it('makes one room when the party asks for two at once: the other is refused as room_active, audited', async () => {
    await withPendingRequest(databaseUrl, async ({ db, audit, requests, rooms, by, request }) => {
      const approved = await requests.decide(request, decision, { actor: 'user:head' });
      // Both read "no room active" before either writes, whatever the timing: the database must settle it.
      const read = rooms.viewings.bind(rooms);
      const bothRead = meeting(2);
      rooms.viewings = async (requestId) => {
        const found = await read(requestId);
        await bothRead();
        return found;
      };
      const tries = await Promise.allSettled([0, 1].map(() => rooms.create(approved, by)));
      expect(tries.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const lost = tries.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(lost.reason).toBeInstanceOf(StateConflict);
      expect((lost.reason as StateConflict).code).toBe('room_active');
      expect(wasAudited(lost.reason)).toBe(true);
      expect(await db.selectFrom('viewing_rooms').select('id').where('request_id', '=', request.id).execute()).toHaveLength(1);
      await audit.flush();
      const creates = await audit.query({ action: 'room.create' });
      expect(creates.map((e) => [e.outcome, JSON.parse(e.detail).reason ?? 'made']).sort()).toEqual([
        ['ok', 'made'],
        ['refused', 'room_active'],
      ]);
    });
  });
});

const decision = decisionSchema.parse({
  decision: 'approve',
  windowFrom: '2026-03-01T02:00:00.000Z',
  windowUntil: '2026-03-01T03:00:00.000Z',
  maxViewings: 1,
  recordings: [{ recordingId: 'rec-p1', approved: true }],
});

/** A meeting point: each caller waits until `n` have come, and from then on nobody waits. */
function meeting(n: number): () => Promise<void> {
  const waiting: (() => void)[] = [];
  let met = false;
  return () =>
    new Promise<void>((resolve) => {
      waiting.push(resolve);
      if (met || waiting.length === n) {
        met = true;
        for (const go of waiting.splice(0)) go();
      }
    });
}

/** A fresh database with one recording and a party's pending request for it, on a clock the test sets. */
async function withPendingRequest(
  databaseUrl: () => Promise<string>,
  body: (s: {
    db: Db;
    audit: AuditLog;
    requests: PartyRequests;
    rooms: ViewingRooms;
    user: { id: string };
    by: { actor: string };
    request: PartyRequest;
    setClock: (at: Date) => void;
  }) => Promise<void>,
): Promise<void> {
  const db = await openDatabase(await databaseUrl());
  const repos = repositoriesOf(db);
  const audit = new AuditLog(repos);
  let clock = new Date('2026-03-01T02:00:00.000Z');
  const now = () => clock;
  try {
    await seedRecordings(
      db,
      [{ id: 'dev-p1', kind: 'bodycam', officer: 'O-1', unit: 'u1' }],
      [{ id: 'rec-p1', device: 'dev-p1', startedAt: '2026-03-01T01:00:00.000Z', durationMs: 60_000, late: false, flags: [] }],
    );
    const { user } = await new UserRegistry(repos, audit).add({ role: 'party', unit: 'u1', name: '王当事', badge: 'P-1', password: PASSWORD }, 'test');
    const requests = new PartyRequests(repos, audit, { now });
    const by = { actor: `user:${user.id}` };
    const recordings = await requests.recordingsOf(['rec-p1'], 'u1', by);
    const request = await requests.create({ kind: 'view', recordingIds: ['rec-p1'], reason: '核对' }, recordings, user.id, by);
    await body({
      db,
      audit,
      requests,
      rooms: new ViewingRooms(repos, audit, { now }),
      user,
      by,
      request,
      setClock: (at) => {
        clock = at;
      },
    });
  } finally {
    await audit.flush();
    await db.destroy();
  }
}

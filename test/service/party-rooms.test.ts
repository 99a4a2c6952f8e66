/**
 * Parties' requests and their supervised viewing rooms (party-requests.ts, viewing-rooms.ts), and
 * a party's admission to play in one (PlaybackService.createRoomSession): who asks and is
 * decided for, when a room may be made, each supervisor step from each state, the window's open
 * and close, and who may play in which state of the room.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditAction } from '../../server/audit/audit-actions.ts';
import type { Viewer } from '../../server/auth/user-registry.ts';
import type { Device, PartyRequest, RoomState } from '../../server/db/schema.ts';
import { decisionSchema, PartyRequests } from '../../server/party/party-requests.ts';
import { SYSTEM_ACTOR, ViewingRooms } from '../../server/party/viewing-rooms.ts';
import type { PlaybackService } from '../../server/playback/playback-service.ts';
import { CTX, playbackOf } from './playback.ts';
import { bodycam, by, DAY, HOUR, label, MINUTE, marked, openWorld, refusalOf, sealed, signedIn, T0, type World } from './world.ts';

let w: World;
let requests: PartyRequests;
let rooms: ViewingRooms;
let playback: PlaybackService;
let camera: Device;
let head: Viewer;
let supervisor: Viewer;
let cleared: Viewer;
/** closed, marked recordings no test labels, asked for by many requests; a test that labels one seals its own */
let approved: string;
let leftOut: string;

beforeAll(async () => {
  w = await openWorld();
  requests = new PartyRequests(w.repos, w.audit, w.clock);
  rooms = new ViewingRooms(w.repos, w.audit, w.clock);
  playback = playbackOf(w);
  camera = await bodycam(w, 'u1');
  head = await signedIn(w, 'agency_head');
  supervisor = await signedIn(w, 'custodian');
  cleared = await signedIn(w, 'custodian', { clearances: ['privacy'] });
  [approved, leftOut] = [await recording(), await recording()];
});
afterAll(async () => w?.close());

let minutesBack = 0;
/** A closed, marked recording of the unit's camera: what a room may serve. */
async function recording(): Promise<string> {
  const id = await sealed(w, camera, new Date(T0.getTime() - 10 * HOUR + ++minutesBack * MINUTE));
  await marked(w, id);
  return id;
}

async function ask(party: Viewer, recordingIds: string[]): Promise<PartyRequest> {
  const recordings = await requests.recordingsOf(recordingIds, party.unit, by(party));
  return requests.create({ kind: 'view', recordingIds, reason: '核对执法过程' }, recordings, party.id, by(party));
}

/** The head approves `inScope` (the rest left out) for a window from now, by default an hour long. */
async function approve(request: PartyRequest, inScope: string[], opts: { from?: number; until?: number; maxViewings?: number } = {}): Promise<PartyRequest> {
  const now = w.clock.now().getTime();
  const all = (await w.db.selectFrom('party_request_recordings').select('recording_id').where('request_id', '=', request.id).execute()).map((r) => r.recording_id);
  return requests.decide(
    request,
    decisionSchema.parse({
      decision: 'approve',
      windowFrom: new Date(now + (opts.from ?? -MINUTE)).toISOString(),
      windowUntil: new Date(now + (opts.until ?? HOUR)).toISOString(),
      maxViewings: opts.maxViewings ?? 2,
      recordings: all.map((recordingId) => ({ recordingId, approved: inScope.includes(recordingId) })),
    }),
    by(head),
  );
}

async function roomIn(request: PartyRequest, state: RoomState): Promise<string> {
  const room = await rooms.create(request, by(supervisor));
  if (state === 'waiting') return room.id;
  await rooms.step('join', room.id, supervisor.id, by(supervisor));
  if (state === 'paused') await rooms.step('pause', room.id, supervisor.id, by(supervisor));
  if (state === 'ended') await rooms.step('end', room.id, supervisor.id, by(supervisor));
  return room.id;
}

/** The audited outcomes of `action` on `subject`, in order: `ok`, `system ok` (the room's expiry), or `refused <reason>`. */
async function outcomes(action: AuditAction, subject: string) {
  await w.audit.flush();
  return (await w.audit.query({ action, subject })).map(
    (e) => `${e.actor === SYSTEM_ACTOR ? 'system ' : ''}${e.outcome}${e.outcome === 'refused' ? ` ${(JSON.parse(e.detail) as { reason: string }).reason}` : ''}`,
  );
}

type Asker = 'the party' | 'another party' | 'a custodian';
type Scope = 'approved' | 'not in scope' | 'label changed';

/** The room's answer to a request to play, in the order viewing-rooms.ts and party-policy.ts ask. */
function expectedRefusal(asker: Asker, state: RoomState, scope: Scope): string | null {
  if (asker !== 'the party') return 'another party’s room';
  if (state !== 'open') return state === 'waiting' ? 'room_not_open' : `room_${state}`;
  if (scope === 'not in scope') return 'recording not in the approved scope';
  return scope === 'label changed' ? 'label_changed' : null;
}

describe('playing in a room: asker × room state × scope', () => {
  const ASKERS: Asker[] = ['the party', 'another party', 'a custodian'];
  const STATES: RoomState[] = ['waiting', 'open', 'paused', 'ended'];
  const SCOPES: Scope[] = ['approved', 'not in scope', 'label changed'];
  const rows = ASKERS.flatMap((asker) => STATES.flatMap((state) => SCOPES.map((scope) => ({ asker, state, scope, expected: expectedRefusal(asker, state, scope) ?? 'plays' }))));

  it.each(rows)('$asker, room $state, recording $scope → $expected', async ({ asker, state, scope }) => {
    const party = await signedIn(w, 'party');
    const inScope = scope === 'label changed' ? await recording() : approved;
    const request = await approve(await ask(party, [inScope, leftOut]), [inScope]);
    if (scope === 'label changed') await label(w, cleared, inScope, 'privacy');
    const roomId = await roomIn(request, state);
    const viewer = asker === 'the party' ? party : asker === 'another party' ? await signedIn(w, 'party') : supervisor;
    const expected = expectedRefusal(asker, state, scope);

    const played = playback.createRoomSession(viewer, roomId, scope === 'not in scope' ? leftOut : inScope, CTX);
    expect(await refusalOf(played)).toBe(expected);
    await w.audit.flush();
    const [event] = (await w.audit.query({ actor: `user:${viewer.id}`, action: 'playback.session' })).filter((e) => JSON.parse(e.detail).roomId === roomId);
    expect(event?.outcome).toBe(expected === null ? 'ok' : 'refused');
  });
});

describe('a room', () => {
  it('is made only for an approved request, inside its window, one at a time, while viewings are left', async () => {
    const party = await signedIn(w, 'party');
    const id = approved;
    const pending = await ask(party, [id]);
    expect(await refusalOf(rooms.create(pending, by(party)))).toBe('request_not_approved');

    const later = await approve(await ask(party, [id]), [id], { from: HOUR, until: 2 * HOUR });
    expect(await refusalOf(rooms.create(later, by(party)))).toBe('window_not_open');

    const request = await approve(pending, [id], { maxViewings: 1 });
    const first = await rooms.create(request, by(party));
    expect(first.state).toBe('waiting');
    expect(await refusalOf(rooms.create(request, by(party)))).toBe('room_active');
    // A room that never opened spends no viewing; one a supervisor joined does.
    await rooms.step('end', first.id, supervisor.id, by(supervisor));
    const second = await rooms.create(request, by(party));
    await rooms.step('join', second.id, supervisor.id, by(supervisor));
    await rooms.step('end', second.id, supervisor.id, by(supervisor));
    expect(await rooms.viewings(request.id)).toEqual({ used: 1, active: 0 });
    expect(await refusalOf(rooms.create(request, by(party)))).toBe('viewings_used');
    expect(await outcomes('room.create', request.id)).toEqual(['refused request_not_approved', 'ok', 'refused room_active', 'ok', 'refused viewings_used']);
  });

  it.each([
    { step: 'join', from: 'waiting', to: 'open' },
    { step: 'join', from: 'open', refused: 'room_open' },
    { step: 'pause', from: 'waiting', refused: 'room_waiting' },
    { step: 'pause', from: 'open', to: 'paused' },
    { step: 'pause', from: 'paused', refused: 'room_paused' },
    { step: 'resume', from: 'open', refused: 'room_open' },
    { step: 'resume', from: 'paused', to: 'open' },
    { step: 'end', from: 'waiting', to: 'ended' },
    { step: 'end', from: 'paused', to: 'ended' },
    { step: 'end', from: 'ended', refused: 'room_ended' },
    { step: 'resume', from: 'ended', refused: 'room_ended' },
  ] as const)('$step from $from → $to$refused', async (t) => {
    const party = await signedIn(w, 'party');
    const roomId = await roomIn(await approve(await ask(party, [approved]), [approved]), t.from);
    const stepped = rooms.step(t.step, roomId, supervisor.id, by(supervisor));
    if ('refused' in t) expect(await refusalOf(stepped)).toBe(t.refused);
    else expect((await stepped).state).toBe(t.to);
    expect((await rooms.load(roomId)).room.state).toBe('to' in t ? t.to : t.from);
  });

  it('ends by itself at the window’s end, audited once by the system, and stops play at once', async () => {
    const party = await signedIn(w, 'party');
    const id = approved;
    const request = await approve(await ask(party, [id]), [id], { until: 10 * MINUTE });
    const roomId = await roomIn(request, 'open');
    const session = await playback.createRoomSession(party, roomId, id, CTX);
    // A room's session ends with its window, not after the usual session length.
    expect(session.expiresAt).toBe(request.window_until);

    w.clock.advance(10 * MINUTE);
    const { room } = await rooms.load(roomId);
    expect(room).toMatchObject({ state: 'ended', end_reason: 'expired', ended_at: request.window_until });
    await rooms.load(roomId);
    expect(await outcomes('room.end', request.id)).toEqual(['system ok']);
    expect(await refusalOf(playback.createRoomSession(party, roomId, id, CTX))).toBe('window_closed');
    expect(await refusalOf(rooms.create(request, by(party)))).toBe('window_closed');
  });

  it('left alone past its window is ended by the sweep', async () => {
    const party = await signedIn(w, 'party');
    const id = approved;
    const request = await approve(await ask(party, [id]), [id], { until: 10 * MINUTE });
    const roomId = await roomIn(request, 'paused');
    w.clock.advance(10 * MINUTE);
    await rooms.sweep();
    expect(await w.db.selectFrom('viewing_rooms').select(['state', 'end_reason']).where('id', '=', roomId).executeTakeFirstOrThrow()).toEqual({ state: 'ended', end_reason: 'expired' });
    expect(await outcomes('room.end', request.id)).toEqual(['system ok']);
  });

  it('does not serve before the marked segments are made', async () => {
    const party = await signedIn(w, 'party');
    const unmarked = await sealed(w, camera, new Date(T0.getTime() - 20 * HOUR));
    const roomId = await roomIn(await approve(await ask(party, [unmarked]), [unmarked]), 'open');
    expect(await refusalOf(playback.createRoomSession(party, roomId, unmarked, CTX))).toBe('not_ready');
    await marked(w, unmarked);
    expect((await playback.createRoomSession(party, roomId, unmarked, CTX)).kind).toBe('replay');
  });
});

describe('a request', () => {
  it('names recordings of the asker’s unit only, another unit’s answered as missing', async () => {
    const party = await signedIn(w, 'party');
    const elsewhere = await sealed(w, await bodycam(w, 'u2'), new Date(T0.getTime() - 30 * HOUR));
    expect(await refusalOf(ask(party, [approved, elsewhere]))).toBe('recording_not_found');
    expect(await outcomes('party.request', elsewhere)).toEqual(['refused recording_not_found']);
  });

  it('is decided once, with a window that ends after now and within 30 days', async () => {
    const party = await signedIn(w, 'party');
    const id = approved;
    const request = await ask(party, [id]);
    expect(await refusalOf(approve(request, [id], { from: -2 * HOUR, until: -HOUR }))).toBe('invalid_input');
    expect(await refusalOf(approve(request, [id], { until: 31 * DAY }))).toBe('invalid_input');
    expect(await refusalOf(approve(request, []))).toBe('invalid_input');
    await approve(request, [id]);
    expect(await refusalOf(approve(request, [id]))).toBe('request_decided');
    expect(await outcomes('party.decision', request.id)).toEqual(['refused invalid_input', 'refused invalid_input', 'refused invalid_input', 'ok', 'refused request_decided']);
  });

  it('puts a labelled recording in scope only as a ready redaction of it', async () => {
    const party = await signedIn(w, 'party');
    const id = await recording();
    await label(w, cleared, id, 'privacy');
    const request = await ask(party, [id]);
    expect(await refusalOf(approve(request, [id]))).toBe('confidential_needs_redaction');
    expect((await requests.load(request.id)).state).toBe('pending');
  });
});

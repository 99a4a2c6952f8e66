/**
 * Admission to playback, decided by PlaybackService over the rows the policy's facts come from:
 * every role × label and clearance × share × case link × unit for replay, every role × unit for
 * live, then what a session already open is held to on each later request. The rules are
 * policy.ts's header, restated below as the expected refusal of each row.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Viewer } from '../../server/auth/user-registry.ts';
import { type Device, ROLES, type Role } from '../../server/db/schema.ts';
import type { PlaybackService } from '../../server/playback/playback-service.ts';
import { SIGNATURE_TTL_SECONDS } from '../../server/playback/url-signer.ts';
import { CTX, playbackOf, signedQuery } from './playback.ts';
import { bodycam, by, casesOf, DAY, HOUR, label, MINUTE, marked, openWorld, refusalOf, sealed, signedIn, T0, type World } from './world.ts';

type Label = 'none' | 'cleared' | 'uncleared';
type Share = 'none' | 'active' | 'expired';
/** the viewer's membership of a case that links the recording */
type CaseLink = 'none' | 'reviewer' | 'reviewer_by_window' | 'reviewer_archived' | 'officer';
type Unit = 'same' | 'other';

interface Row {
  role: Role;
  unit: Unit;
  label: Label;
  share: Share;
  caseLink: CaseLink;
}

/** What the policy answers for a row: null when it replays, else the refusal's reason. */
function expectedRefusal(r: Row): string | null {
  if (r.label === 'uncleared') return 'no privacy clearance';
  switch (r.role) {
    case 'commander':
    case 'custodian':
      return r.unit === 'same' ? null : 'recording of another unit';
    case 'reviewer':
      return r.share === 'active' || r.caseLink.startsWith('reviewer') ? null : 'recording neither shared with this reviewer nor on their case';
    default:
      return `role ${r.role} does not view media`;
  }
}

const LABELS: Label[] = ['none', 'cleared', 'uncleared'];
const SHARES: Share[] = ['none', 'active', 'expired'];
const CASE_LINKS: CaseLink[] = ['none', 'reviewer', 'reviewer_by_window', 'reviewer_archived', 'officer'];
const UNITS: Unit[] = ['same', 'other'];

const ROWS: (Row & { expected: string })[] = ROLES.flatMap((role) =>
  UNITS.flatMap((unit) =>
    LABELS.flatMap((lbl) =>
      SHARES.flatMap((share) =>
        CASE_LINKS.map((caseLink) => {
          const row = { role, unit, label: lbl, share, caseLink };
          return { ...row, expected: expectedRefusal(row) ?? 'replays' };
        }),
      ),
    ),
  ),
);

let w: World;
let playback: PlaybackService;
let camera: Device;
/** an unlabelled recording and one labelled `privacy`, both linked to each case below */
let plain: string;
let labelled: string;
const caseOf: Record<Exclude<CaseLink, 'none' | 'officer'>, string> = { reviewer: '', reviewer_by_window: '', reviewer_archived: '' };

beforeAll(async () => {
  w = await openWorld();
  playback = playbackOf(w);
  camera = await bodycam(w, 'u1');
  const custodian = await signedIn(w, 'custodian', { clearances: ['privacy'] });
  plain = await sealed(w, camera, new Date(T0.getTime() - 3 * HOUR));
  labelled = await sealed(w, camera, new Date(T0.getTime() - 2 * HOUR));
  await label(w, custodian, labelled, 'privacy');
  for (const id of [plain, labelled]) await marked(w, id);

  const cases = casesOf(w);
  const newCase = async (caseNo: string, at: Date) => {
    const c = await cases.create({ caseNo, unit: 'u1', title: '准入矩阵' }, by(custodian));
    return { c, action: await cases.addAction(c, { kind: 'inspection', stage: 'investigation', at: at.toISOString() }, by(custodian)) };
  };
  const byRecording = await newCase('ADM-1', new Date(T0.getTime() - 3 * HOUR));
  for (const recordingId of [plain, labelled]) await cases.link(byRecording.c, byRecording.action.id, { recordingId }, by(custodian));
  caseOf.reviewer = byRecording.c.id;

  const byWindow = await newCase('ADM-2', new Date(T0.getTime() - 150 * MINUTE));
  const window = { deviceId: camera.id, from: new Date(T0.getTime() - 3 * HOUR - MINUTE).toISOString(), to: new Date(T0.getTime() - 2 * HOUR + MINUTE).toISOString() };
  await cases.link(byWindow.c, byWindow.action.id, window, by(custodian));
  caseOf.reviewer_by_window = byWindow.c.id;

  const archived = await newCase('ADM-3', new Date(T0.getTime() - 3 * HOUR));
  for (const recordingId of [plain, labelled]) await cases.link(archived.c, archived.action.id, { recordingId }, by(custodian));
  await cases.end(archived.c, {}, by(custodian));
  await cases.archive(await cases.load(archived.c.id), by(custodian));
  caseOf.reviewer_archived = archived.c.id;
});
afterAll(async () => w?.close());

/**
 * The row's viewer, and its share and membership written as rows: a share or a membership is
 * seeded for every role, so that the matrix shows a row a role should never have opens nothing.
 * (Who may share and who may be a member are RecordingKeeping's and CaseService's rules, tested there.)
 */
async function seed(r: Row): Promise<{ viewer: Viewer; recordingId: string }> {
  const viewer = await signedIn(w, r.role, { unit: r.unit === 'same' ? 'u1' : 'u2', clearances: r.label === 'cleared' ? ['privacy'] : [] });
  const recordingId = r.label === 'none' ? plain : labelled;
  if (r.share !== 'none') {
    const expiresAt = new Date(T0.getTime() + (r.share === 'active' ? DAY : -MINUTE)).toISOString();
    await w.db
      .insertInto('recording_shares')
      .values({ recording_id: recordingId, user_id: viewer.id, shared_by: 'test', shared_at: new Date(T0.getTime() - DAY).toISOString(), expires_at: expiresAt })
      .execute();
  }
  if (r.caseLink !== 'none') {
    const caseId = r.caseLink === 'officer' ? caseOf.reviewer : caseOf[r.caseLink];
    await w.db
      .insertInto('case_members')
      .values({ case_id: caseId, badge: viewer.badge, role: r.caseLink === 'officer' ? 'officer' : 'reviewer', added_by: 'test', added_at: T0.toISOString() })
      .execute();
  }
  return { viewer, recordingId };
}

async function auditedSessions(viewer: Viewer) {
  await w.audit.flush();
  return (await w.audit.query({ actor: `user:${viewer.id}`, action: 'playback.session' })).map((e) => ({ outcome: e.outcome, reason: (JSON.parse(e.detail) as { reason?: string }).reason ?? null }));
}

describe('replay: role × unit × label × share × case link', () => {
  it.each(ROWS)('$role of the $unit unit, label $label, share $share, case $caseLink → $expected', async (row) => {
    const { viewer, recordingId } = await seed(row);
    const expected = expectedRefusal(row);
    expect(await refusalOf(playback.createSession(viewer, { recordingId }, CTX))).toBe(expected);
    expect(await auditedSessions(viewer)).toEqual([expected === null ? { outcome: 'ok', reason: null } : { outcome: 'refused', reason: expected }]);
  });
});

describe('live: role × unit of the device', () => {
  const rows = ROLES.flatMap((role) =>
    UNITS.map((unit) => ({ role, unit, expected: role !== 'commander' ? `role ${role} does not watch live feeds` : unit === 'same' ? 'watches' : 'device of another unit' })),
  );
  it.each(rows)('$role of the $unit unit → $expected', async ({ role, unit, expected }) => {
    const viewer = await signedIn(w, role, { unit: unit === 'same' ? 'u1' : 'u2' });
    expect(await refusalOf(playback.createSession(viewer, { deviceId: camera.id }, CTX))).toBe(expected === 'watches' ? null : expected);
    expect((await auditedSessions(viewer)).map((e) => e.outcome)).toEqual([expected === 'watches' ? 'ok' : 'refused']);
  });
});

/**
 * A session, once open, is admitted again on its requests: each of these ends what it admitted.
 * The admission cache trusts a full check for a second, so the clock moves past it first.
 */
describe('an open session, on its next request', () => {
  const opened = async (viewer: Viewer, recordingId = plain) => {
    const s = await playback.createSession(viewer, { recordingId }, CTX);
    const next = () => playback.playlist(s.sessionId, 'index', signedQuery(s.playlistUrl), CTX);
    expect(await next()).toContain('#EXTM3U');
    return { ...s, next };
  };
  const lastRefusal = async (sessionId: string) => {
    await w.audit.flush();
    const events = (await w.audit.query({ action: 'playback.playlist' })).filter((e) => e.session_id === sessionId);
    const last = events.at(-1)!;
    return { outcome: last.outcome, reason: (JSON.parse(last.detail) as { reason?: string }).reason };
  };

  it('is refused once the share that admitted it has ended', async () => {
    const reviewer = await signedIn(w, 'reviewer');
    await w.db
      .insertInto('recording_shares')
      .values({ recording_id: plain, user_id: reviewer.id, shared_by: 'test', shared_at: T0.toISOString(), expires_at: new Date(w.clock.now().getTime() + 5 * MINUTE).toISOString() })
      .execute();
    const s = await opened(reviewer);
    w.clock.advance(5 * MINUTE);
    expect(await refusalOf(s.next())).toBe('recording neither shared with this reviewer nor on their case');
    expect(await lastRefusal(s.sessionId)).toEqual({ outcome: 'refused', reason: 'recording neither shared with this reviewer nor on their case' });
  });

  it('is refused once the recording is labelled beyond the viewer’s clearance', async () => {
    const commander = await signedIn(w, 'commander');
    const recordingId = await sealed(w, camera, new Date(T0.getTime() - HOUR));
    await marked(w, recordingId);
    const s = await opened(commander, recordingId);
    await label(w, await signedIn(w, 'custodian', { clearances: ['trade_secret'] }), recordingId, 'trade_secret');
    w.clock.advance(2000);
    expect(await refusalOf(s.next())).toBe('no trade_secret clearance');
  });

  it('is refused once the viewer has signed out, or been disabled', async () => {
    const signedOut = await signedIn(w, 'custodian');
    const disabled = await signedIn(w, 'custodian');
    const a = await opened(signedOut);
    const b = await opened(disabled);
    await w.db.updateTable('auth_sessions').set({ revoked_at: w.clock.now().toISOString() }).where('user_id', '=', signedOut.id).execute();
    await w.db.updateTable('users').set({ state: 'disabled' }).where('id', '=', disabled.id).execute();
    w.clock.advance(2000);
    expect(await refusalOf(a.next())).toBe('unauthenticated');
    expect(await lastRefusal(a.sessionId)).toEqual({ outcome: 'refused', reason: 'signed_out' });
    expect(await refusalOf(b.next())).toBe('unauthenticated');
    expect(await lastRefusal(b.sessionId)).toEqual({ outcome: 'refused', reason: 'user disabled' });
  });

  it('is refused, live, once its device has moved to another unit', async () => {
    const commander = await signedIn(w, 'commander');
    const moving = await bodycam(w, 'u1');
    const s = await playback.createSession(commander, { deviceId: moving.id }, CTX);
    const next = () => playback.playlist(s.sessionId, 'index', signedQuery(s.playlistUrl), CTX);
    expect(await next()).toContain('#EXTM3U');
    await w.db.updateTable('devices').set({ unit: 'u2' }).where('id', '=', moving.id).execute();
    w.clock.advance(2000);
    expect(await refusalOf(next())).toBe('device of another unit');
    expect(await lastRefusal(s.sessionId)).toEqual({ outcome: 'refused', reason: 'device of another unit' });
  });

  it('is refused with another session’s signature, and once its signature has run out', async () => {
    const commander = await signedIn(w, 'commander');
    const mine = await opened(commander);
    const theirs = await opened(await signedIn(w, 'custodian'));
    expect(await refusalOf(playback.playlist(mine.sessionId, 'index', signedQuery(theirs.playlistUrl), CTX))).toBe('unauthenticated');
    expect(await lastRefusal(mine.sessionId)).toEqual({ outcome: 'refused', reason: 'bad_signature' });
    w.clock.advance(SIGNATURE_TTL_SECONDS * 1000 + 1000);
    expect(await refusalOf(mine.next())).toBe('unauthenticated');
    expect(await lastRefusal(mine.sessionId)).toEqual({ outcome: 'refused', reason: 'signature_expired' });
  });
});

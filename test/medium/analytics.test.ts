/**
 * Compliance analytics on a seeded data set: recordings in two units by four officers and a hall
 * camera over Beijing months (boundaries included), late and clock-drift flags, gaps with and
 * without reasons, cases with mandated actions recorded, reasoned or neither, archives on time,
 * late and overdue, and forensic traces naming a session user, a party copy's requester, or
 * nobody. The expected figures are counted here from the seed arrays with plain filters, then
 * compared with the API's tables (JSON on SQLite and PostgreSQL, CSV) for every grouping and scope.
 * Who may read them is checked with real sign-ins; every read, export and refusal is audited.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActionKind, NotRecordedReason, Role } from '../../server/db/schema.ts';
import type { RunningServer } from '../../server/liuhen.ts';
import { freshPostgresDatabase } from '../helpers/postgres.ts';
import { type SeedDevice, type SeedRecording, seedRecordings } from '../helpers/seeded-recordings.ts';
import { startTestServer, testEnv } from '../helpers/server.ts';
import { apiFetch } from '../helpers/http.ts';
import { type SignedIn, signedInUser } from '../helpers/viewing.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

// The period asked about: July to December 2026 in Beijing time. "Now" is later than the archive
// deadlines of the cases that ended in summer, earlier than that of the case that ended in November.
const FROM = '2026-07-01';
const TO = '2027-01-01';
const FROM_AT = Date.parse('2026-06-30T16:00:00.000Z');
const TO_AT = Date.parse('2026-12-31T16:00:00.000Z');
const MONTHS = ['2026-07', '2026-08', '2026-09', '2026-10', '2026-11', '2026-12'];

const devices: SeedDevice[] = [
  { id: 'dev-a', kind: 'bodycam', officer: 'P-1', unit: 'u1' },
  { id: 'dev-b', kind: 'bodycam', officer: 'P-2', unit: 'u1' },
  { id: 'dev-c', kind: 'bodycam', officer: 'P-3', unit: 'u2' },
  { id: 'dev-h', kind: 'fixed', officer: null, unit: 'u2' },
];

const recordings: SeedRecording[] = [
  { id: 'rec-a0', device: 'dev-a', startedAt: '2026-06-30T15:59:59.000Z', durationMs: 30 * MIN, late: true, flags: ['late_upload', 'clock_drift'] }, // 30 June in Beijing: outside
  { id: 'rec-a1', device: 'dev-a', startedAt: '2026-07-03T01:00:00.000Z', durationMs: 90 * MIN, late: false, flags: [] },
  { id: 'rec-a2', device: 'dev-a', startedAt: '2026-07-31T16:30:00.000Z', durationMs: 20 * MIN, late: true, flags: ['late_upload'] }, // 1 August in Beijing
  { id: 'rec-a3', device: 'dev-a', startedAt: '2026-09-10T03:00:00.000Z', durationMs: 2 * HOUR, late: false, flags: ['clock_drift'] },
  { id: 'rec-b1', device: 'dev-b', startedAt: '2026-08-15T06:00:00.000Z', durationMs: 45 * MIN, late: true, flags: ['clock_drift', 'late_upload'] },
  { id: 'rec-b2', device: 'dev-b', startedAt: '2026-06-30T16:00:00.000Z', durationMs: 10 * MIN, late: false, flags: [] }, // 1 July 00:00 in Beijing: inside
  { id: 'rec-c1', device: 'dev-c', startedAt: '2026-07-20T02:00:00.000Z', durationMs: 3 * HOUR + 7_000, late: false, flags: ['clock_drift'] },
  { id: 'rec-c2', device: 'dev-c', startedAt: '2026-10-05T08:00:00.000Z', durationMs: HOUR, late: true, flags: ['late_upload'] },
  { id: 'rec-h1', device: 'dev-h', startedAt: '2026-09-01T00:00:00.000Z', durationMs: 8 * HOUR, late: false, flags: [] },
  { id: 'rec-h2', device: 'dev-h', startedAt: '2026-12-31T16:00:00.000Z', durationMs: HOUR, late: false, flags: [] }, // 1 January 2027 in Beijing: outside
];

const gaps = [
  { recording: 'rec-a1', idx: 1, startAt: '2026-07-03T01:20:00.000Z', noted: false },
  { recording: 'rec-a1', idx: 3, startAt: '2026-07-03T01:40:00.000Z', noted: true },
  { recording: 'rec-a0', idx: 1, startAt: '2026-06-30T15:59:59.500Z', noted: false }, // outside
  { recording: 'rec-b1', idx: 1, startAt: '2026-08-15T06:10:00.000Z', noted: false },
  { recording: 'rec-c1', idx: 1, startAt: '2026-07-20T03:00:00.000Z', noted: false },
  { recording: 'rec-c1', idx: 3, startAt: '2026-07-20T04:00:00.000Z', noted: true },
  { recording: 'rec-h1', idx: 1, startAt: '2026-09-01T02:00:00.000Z', noted: false },
];

interface SeedCase {
  id: string;
  unit: string;
  endedAt: string | null;
  archivedAt: string | null;
  officers: string[];
  reviewers: string[];
}
const cases: SeedCase[] = [
  { id: 'case-1', unit: 'u1', endedAt: '2026-07-10T00:00:00.000Z', archivedAt: null, officers: ['P-1', 'P-2'], reviewers: ['R-1'] }, // overdue
  { id: 'case-2', unit: 'u1', endedAt: '2026-08-01T00:00:00.000Z', archivedAt: '2026-09-20T00:00:00.000Z', officers: ['P-1'], reviewers: [] }, // archived late
  { id: 'case-3', unit: 'u2', endedAt: '2026-08-20T00:00:00.000Z', archivedAt: '2026-09-01T00:00:00.000Z', officers: ['P-3'], reviewers: [] }, // on time
  { id: 'case-4', unit: 'u2', endedAt: '2026-11-10T00:00:00.000Z', archivedAt: null, officers: ['P-3', 'P-4'], reviewers: [] }, // not yet due
  { id: 'case-5', unit: 'u2', endedAt: '2026-09-15T00:00:00.000Z', archivedAt: null, officers: ['P-4'], reviewers: [] }, // overdue
  { id: 'case-6', unit: 'u1', endedAt: '2026-05-01T00:00:00.000Z', archivedAt: null, officers: ['P-2'], reviewers: [] }, // overdue, deadline outside
  { id: 'case-7', unit: 'u1', endedAt: null, archivedAt: null, officers: ['P-1'], reviewers: [] }, // still open
];

interface SeedAction {
  id: string;
  caseId: string;
  kind: ActionKind;
  at: string;
  officer: string | null;
  reason: NotRecordedReason | null;
  /** each link here does link a recording: a whole one, or a device window overlapping one */
  links: ({ recording: string } | { device: string; from: string; to: string })[];
}
const actions: SeedAction[] = [
  { id: 'act-1', caseId: 'case-1', kind: 'seizure', at: '2026-07-05T02:00:00.000Z', officer: 'P-1', reason: null, links: [] },
  { id: 'act-2', caseId: 'case-1', kind: 'inspection', at: '2026-07-03T01:00:00.000Z', officer: 'P-1', reason: null, links: [{ recording: 'rec-a1' }] },
  { id: 'act-3', caseId: 'case-1', kind: 'inspection', at: '2026-07-06T02:00:00.000Z', officer: 'P-2', reason: 'privacy', links: [] },
  { id: 'act-4', caseId: 'case-5', kind: 'hearing', at: '2026-09-01T01:00:00.000Z', officer: 'P-4', reason: null, links: [] },
  { id: 'act-5', caseId: 'case-5', kind: 'inquiry', at: '2026-09-02T01:00:00.000Z', officer: 'P-3', reason: null, links: [] },
  {
    id: 'act-6',
    caseId: 'case-4',
    kind: 'sampling',
    at: '2026-07-20T02:00:00.000Z',
    officer: 'P-3',
    reason: null,
    links: [{ device: 'dev-c', from: '2026-07-20T01:50:00.000Z', to: '2026-07-20T02:30:00.000Z' }],
  },
  { id: 'act-7', caseId: 'case-6', kind: 'seizure', at: '2026-04-10T01:00:00.000Z', officer: 'P-2', reason: null, links: [] }, // outside
  { id: 'act-8', caseId: 'case-2', kind: 'restoration', at: '2026-07-25T01:00:00.000Z', officer: null, reason: null, links: [] },
  { id: 'act-9', caseId: 'case-2', kind: 'summary_procedure', at: '2026-07-26T01:00:00.000Z', officer: 'P-1', reason: null, links: [] },
  { id: 'act-10', caseId: 'case-7', kind: 'service_by_leaving', at: '2026-10-31T16:00:00.000Z', officer: 'P-2', reason: null, links: [] }, // 1 November in Beijing
];
/** From server/cases/recording-rules.ts, as the seeds say: these need audio-video. */
const MANDATED = new Set<ActionKind>(['inspection', 'sampling', 'hearing', 'seizure', 'service_by_leaving', 'service_by_notice', 'restoration', 'application_acceptance']);

/** Who signs in; the reviewer and the commander watched marked copies, the custodian made a party copy. */
const people: { role: Role; unit: string; badge: string }[] = [
  { role: 'auditor', unit: 'u1', badge: 'A-1' },
  { role: 'agency_head', unit: 'u1', badge: 'H-1' },
  { role: 'legal', unit: 'u2', badge: 'L-2' },
  { role: 'commander', unit: 'u1', badge: 'K-1' },
  { role: 'reviewer', unit: 'u1', badge: 'R-1' },
  { role: 'party', unit: 'u1', badge: 'Y-1' },
  { role: 'custodian', unit: 'u2', badge: 'C-2' },
];
const sessions = [
  { id: 'ps-1', badge: 'R-1', recording: 'rec-a3' },
  { id: 'ps-2', badge: 'K-1', recording: 'rec-c1' },
];
/** A party copy asked for by a signed-in custodian, or at the command line. */
const exportsMade: { id: string; recording: string; by: { badge: string } | { actor: string } }[] = [
  { id: 'exp-1', recording: 'rec-c1', by: { badge: 'C-2' } },
  { id: 'exp-2', recording: 'rec-h1', by: { actor: 'cli:root' } },
];
const traces: { recording: string | null; match: { kind: 'session' | 'party_copy'; id: string } | null }[] = [
  { recording: 'rec-a3', match: { kind: 'session', id: 'ps-1' } },
  { recording: 'rec-c1', match: { kind: 'party_copy', id: 'exp-1' } },
  { recording: 'rec-h1', match: { kind: 'party_copy', id: 'exp-2' } },
  { recording: 'rec-c1', match: { kind: 'session', id: 'ps-2' } },
  { recording: 'rec-c1', match: null },
  { recording: null, match: null },
];

type Row = {
  key: string | null;
  recordings: number;
  hours: number;
  lateUploads: number;
  gapsWithoutReason: number;
  actionsUnrecorded: number;
  overdueArchives: number;
  clockDriftFlags: number;
  tracedLeaks: number;
};
type GroupBy = 'unit' | 'officer' | 'period';
const FIGURES = ['recordings', 'hours', 'lateUploads', 'gapsWithoutReason', 'actionsUnrecorded', 'overdueArchives', 'clockDriftFlags', 'tracedLeaks'] as const;

const monthOf = (iso: string) => new Date(Date.parse(iso) + 8 * HOUR).toISOString().slice(0, 7);
const inPeriod = (iso: string) => Date.parse(iso) >= FROM_AT && Date.parse(iso) < TO_AT;
const deviceOf = (id: string) => devices.find((d) => d.id === id)!;
const recordingOf = (id: string) => recordings.find((r) => r.id === id)!;
const caseOf = (id: string) => cases.find((c) => c.id === id)!;

/** What happened, attributed as the issue says; counted below by plain filters. */
function expectedTable(traced: { at: string; recording: string; receiver: string }[], groupBy: GroupBy, unit: string | null, now: number) {
  const items: { figure: (typeof FIGURES)[number] | 'ms'; unit: string; badges: (string | null)[]; at: string; amount: number }[] = [];
  for (const r of recordings) {
    const d = deviceOf(r.device);
    const base = { unit: d.unit, badges: [d.officer], at: r.startedAt };
    items.push({ ...base, figure: 'recordings', amount: 1 }, { ...base, figure: 'ms', amount: r.durationMs });
    if (r.late) items.push({ ...base, figure: 'lateUploads', amount: 1 });
    if (r.flags.includes('clock_drift')) items.push({ ...base, figure: 'clockDriftFlags', amount: 1 });
  }
  for (const g of gaps.filter((g) => !g.noted)) {
    const d = deviceOf(recordingOf(g.recording).device);
    items.push({ figure: 'gapsWithoutReason', unit: d.unit, badges: [d.officer], at: g.startAt, amount: 1 });
  }
  for (const a of actions.filter((a) => MANDATED.has(a.kind) && a.reason === null && a.links.length === 0)) {
    items.push({ figure: 'actionsUnrecorded', unit: caseOf(a.caseId).unit, badges: [a.officer], at: a.at, amount: 1 });
  }
  for (const c of cases.filter((c) => c.endedAt !== null)) {
    const deadline = Date.parse(c.endedAt!) + 30 * DAY;
    const overdue = c.archivedAt === null ? deadline < now : Date.parse(c.archivedAt) > deadline;
    if (overdue) items.push({ figure: 'overdueArchives', unit: c.unit, badges: c.officers, at: new Date(deadline).toISOString(), amount: 1 });
  }
  for (const t of traced) items.push({ figure: 'tracedLeaks', unit: deviceOf(recordingOf(t.recording).device).unit, badges: [t.receiver], at: t.at, amount: 1 });

  const scoped = items.filter((i) => inPeriod(i.at) && (unit === null || i.unit === unit));
  const sums = new Map<string | null, Record<(typeof FIGURES)[number] | 'ms', number>>();
  const empty = () => ({ recordings: 0, hours: 0, ms: 0, lateUploads: 0, gapsWithoutReason: 0, actionsUnrecorded: 0, overdueArchives: 0, clockDriftFlags: 0, tracedLeaks: 0 });
  if (groupBy === 'period') for (const m of MONTHS) sums.set(m, empty());
  const total = empty();
  for (const i of scoped) {
    total[i.figure] += i.amount;
    const keys = groupBy === 'unit' ? [i.unit] : groupBy === 'period' ? [monthOf(i.at)] : i.badges;
    for (const key of keys) {
      if (!sums.has(key)) sums.set(key, empty());
      sums.get(key)![i.figure] += i.amount;
    }
  }
  const finish = ({ ms, ...s }: ReturnType<typeof empty>) => ({ ...s, hours: Math.round(ms / 36_000) / 100 });
  const rows = [...sums].map(([key, s]) => ({ key, ...finish(s) })).sort((a, b) => (a.key === null ? 1 : b.key === null || a.key < b.key ? -1 : 1));
  return { rows, totals: finish(total) };
}

async function seed(server: RunningServer): Promise<{ people: Record<string, SignedIn>; traced: { at: string; recording: string; receiver: string }[] }> {
  const { db, audit } = server.core;
  const signedIn: Record<string, SignedIn> = {};
  for (const p of people) signedIn[p.badge] = await signedInUser(server, p.role, p.unit, p.badge);
  const userIdOf = (badge: string) => signedIn[badge]!.userId;
  const created = '2026-06-01T00:00:00.000Z';

  await seedRecordings(db, devices, recordings);
  const entry = (recording: string, idx: number, kind: 'segment' | 'gap', startAt: string) => ({
    // Made-up links, as for the recordings: nothing here is verified.
    recording_id: recording,
    idx,
    kind,
    start_at: startAt,
    duration_ms: MIN,
    link: `seeded-${recording}-${idx}`,
    sealed_at: startAt,
    cause: kind === 'gap' ? ('network' as const) : null,
    sha256: kind === 'segment' ? 'seeded' : null,
  });
  await db
    .insertInto('ledger_entries')
    .values([...recordings.map((r) => entry(r.id, 0, 'segment', r.startedAt)), ...gaps.map((g) => entry(g.recording, g.idx, 'gap', g.startAt))])
    .execute();
  await db
    .insertInto('gap_notes')
    .values(gaps.filter((g) => g.noted).map((g) => ({ recording_id: g.recording, idx: g.idx, reason: '现场信号中断', noted_by: 'P-1', noted_at: created })))
    .execute();

  await db
    .insertInto('cases')
    .values(
      cases.map((c, i) => ({
        id: c.id,
        case_no: `2026-${i + 1}`,
        unit: c.unit,
        title: c.id,
        emergency: 0,
        initiated_at: '2026-04-01T00:00:00.000Z',
        ended_at: c.endedAt,
        archived_at: c.archivedAt,
        created_by: 'test',
        created_at: created,
      })),
    )
    .execute();
  await db
    .insertInto('case_members')
    .values(
      cases.flatMap((c) =>
        [...c.officers.map((badge) => ({ badge, role: 'officer' as const })), ...c.reviewers.map((badge) => ({ badge, role: 'reviewer' as const }))].map((m) => ({
          case_id: c.id,
          ...m,
          added_by: 'test',
          added_at: created,
        })),
      ),
    )
    .execute();
  await db
    .insertInto('case_actions')
    .values(
      actions.map((a) => ({
        id: a.id,
        case_id: a.caseId,
        kind: a.kind,
        stage: 'investigation' as const,
        at: a.at,
        officer_badge: a.officer,
        not_recorded_reason: a.reason,
        created_by: 'test',
        created_at: created,
      })),
    )
    .execute();
  await db
    .insertInto('action_links')
    .values(
      actions.flatMap((a) =>
        a.links.map((l, i) => ({
          id: `lnk-${a.id}-${i}`,
          action_id: a.id,
          linked_by: 'test',
          linked_at: created,
          ...('recording' in l ? { recording_id: l.recording } : { device_id: l.device, from_at: l.from, to_at: l.to }),
        })),
      ),
    )
    .execute();

  await db
    .insertInto('playback_sessions')
    .values(sessions.map((s) => ({ id: s.id, user_id: userIdOf(s.badge), kind: 'replay' as const, recording_id: s.recording, created_at: created, expires_at: created })))
    .execute();
  await db
    .insertInto('exports')
    .values(
      exportsMade.map((e) => ({
        id: e.id,
        kind: 'party_copy' as const,
        recording_id: e.recording,
        requested_by: 'actor' in e.by ? e.by.actor : `user:${userIdOf(e.by.badge)}`,
        recipient: '张三',
        approval_no: '审批-1',
        job_id: `job-${e.id}`,
        created_at: created,
      })),
    )
    .execute();
  const receiverOf = (m: { kind: 'session' | 'party_copy'; id: string }) => {
    if (m.kind === 'session') return sessions.find((s) => s.id === m.id)!.badge;
    const by = exportsMade.find((e) => e.id === m.id)!.by;
    return 'actor' in by ? by.actor : by.badge;
  };
  const traced = [];
  for (const t of traces) {
    const event = await audit.record({
      actor: 'cli:root',
      action: 'forensic.trace',
      subject: t.recording,
      outcome: 'ok',
      detail: { sha256: 'f'.repeat(64), bitsRead: 12, match: t.match && { ...t.match, agree: 12, of: 12, falseMatch: 1e-9 }, reason: t.match ? null : 'nobody' },
    });
    if (t.match && t.recording) traced.push({ at: event.at, recording: t.recording, receiver: receiverOf(t.match) });
  }
  return { people: signedIn, traced };
}

describe.each([
  ['SQLite', async () => ({})],
  ['PostgreSQL', async () => ({ LIUHEN_DATABASE_URL: await freshPostgresDatabase() })],
])('compliance analytics on %s', (_name, databaseEnv) => {
  let server: RunningServer;
  let who: Record<string, SignedIn>;
  let traced: { at: string; recording: string; receiver: string }[];

  beforeAll(async () => {
    server = await startTestServer(await testEnv(await databaseEnv()));
    ({ people: who, traced } = await seed(server));
  });
  afterAll(async () => server?.stop());

  const get = (as: string, route: string) => apiFetch(server.httpPort, who[as]!, route.replace(/^\/api\//, ''));
  const table = async (as: string, query: string) => {
    const res = await get(as, `/api/analytics?from=${FROM}&to=${TO}&${query}`);
    expect(res.status).toBe(200);
    return (await res.json()) as { groupBy: GroupBy; unit: string | null; from: string; to: string; rows: Row[]; totals: Omit<Row, 'key'> };
  };
  const audited = async (actorBadge: string, action: string) => {
    await server.core.audit.flush();
    return server.core.audit.query({ action, actor: `user:${who[actorBadge]!.userId}` });
  };

  it('the analytics figures on a seeded data set equal the counts computed directly in the test', async () => {
    const now = Date.now();
    for (const groupBy of ['unit', 'officer', 'period'] as const) {
      const all = await table('A-1', `groupBy=${groupBy}`);
      expect(all).toMatchObject({ groupBy, unit: null, from: new Date(FROM_AT).toISOString(), to: new Date(TO_AT).toISOString() });
      expect({ rows: all.rows, totals: all.totals }, `${groupBy}, every unit`).toEqual(expectedTable(traced, groupBy, null, now));
      expect(await table('A-1', `groupBy=${groupBy}&unit=u2`), `${groupBy}, u2`).toMatchObject(expectedTable(traced, groupBy, 'u2', now));
    }
    // Spot checks that the seed exercises what it means to: both units, a row without an officer, boundaries.
    const byUnit = await table('A-1', 'groupBy=unit');
    expect(byUnit.rows.map((r) => r.key)).toEqual(['u1', 'u2']);
    expect(byUnit.totals).toMatchObject({ recordings: 8, lateUploads: 3, gapsWithoutReason: 4, actionsUnrecorded: 4, overdueArchives: 3, clockDriftFlags: 3, tracedLeaks: 4 });
    expect((await table('A-1', 'groupBy=officer')).rows.map((r) => r.key)).toEqual(['C-2', 'K-1', 'P-1', 'P-2', 'P-3', 'P-4', 'R-1', 'cli:root', null]);
    expect((await table('A-1', 'groupBy=period')).rows.find((r) => r.key === '2026-07')).toMatchObject({ recordings: 3 });
  });

  it('an agency head and the legal office see their own unit only; an auditor any; others are refused, and all of it is audited', async () => {
    const now = Date.now();
    expect(await table('H-1', 'groupBy=officer')).toMatchObject({ unit: 'u1', ...expectedTable(traced, 'officer', 'u1', now) });
    expect(await table('L-2', 'groupBy=unit')).toMatchObject({ unit: 'u2', ...expectedTable(traced, 'unit', 'u2', now) });
    expect((await get('H-1', `/api/analytics?from=${FROM}&to=${TO}&unit=u2`)).status).toBe(403);
    for (const badge of ['K-1', 'R-1', 'Y-1', 'C-2']) {
      expect((await get(badge, `/api/analytics?from=${FROM}&to=${TO}`)).status, badge).toBe(403);
      expect(
        (await audited(badge, 'analytics.read')).map((e) => e.outcome),
        badge,
      ).toEqual(['refused']);
    }
    expect((await get('A-1', '/api/analytics?from=2026-07-01')).status).toBe(400);

    const head = await audited('H-1', 'analytics.read');
    expect(head.map((e) => [e.outcome, e.subject])).toEqual([
      ['ok', 'u1'],
      ['refused', 'u2'],
    ]);
    expect(JSON.parse(head[0]!.detail)).toMatchObject({ groupBy: 'officer', unit: 'u1', from: new Date(FROM_AT).toISOString(), to: new Date(TO_AT).toISOString() });
    expect(JSON.parse(head[1]!.detail)).toEqual({ reason: 'analytics of another unit' });
  });

  it('exports each table as CSV with a BOM and Chinese headers, equal to the JSON, audited', async () => {
    const now = Date.now();
    const headers = { unit: '单位', officer: '执法人员（执法证号）', period: '月份' };
    for (const groupBy of ['unit', 'officer', 'period'] as const) {
      const res = await get('A-1', `/api/analytics.csv?from=${FROM}&to=${TO}&groupBy=${groupBy}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(res.headers.get('content-disposition')).toBe(`attachment; filename="liuhen-analytics-${groupBy}-all-2026-07-01-2027-01-01.csv"`);
      const bytes = Buffer.from(await res.arrayBuffer());
      expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      const lines = bytes.toString('utf8').slice(1).split('\r\n');
      expect(lines.pop()).toBe('');
      expect(lines.shift()).toBe(`${headers[groupBy]},录像数,录像时长（小时）,逾期上传,无原因中断,应录未录,逾期归档,时钟偏差,追溯到的泄露`);
      const { rows, totals } = expectedTable(traced, groupBy, null, now);
      expect(lines).toEqual([...rows.map((r) => [r.key ?? '（无执法人员）', ...FIGURES.map((f) => r[f])].join(',')), ['合计', ...FIGURES.map((f) => totals[f])].join(',')]);
    }
    expect((await get('K-1', `/api/analytics.csv?from=${FROM}&to=${TO}`)).status).toBe(403);
    expect((await audited('A-1', 'analytics.export')).map((e) => [e.outcome, JSON.parse(e.detail).groupBy])).toEqual([
      ['ok', 'unit'],
      ['ok', 'officer'],
      ['ok', 'period'],
    ]);
    expect((await audited('K-1', 'analytics.export')).map((e) => e.outcome)).toEqual(['refused']);
  });
});

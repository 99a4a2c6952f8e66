import { describe, expect, it } from 'vitest';
import { type CheckFacts, findingsOf } from '../../server/cases/case-check.ts';

const T0 = '2026-03-01T02:00:00.000Z';
const at = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000).toISOString();
const NOW = new Date(at(60));

const facts = (over: Partial<CheckFacts> = {}): CheckFacts => ({
  case: { id: 'case-1', emergency: 0, initiated_at: T0, approved_at: null, ended_at: null, archived_at: null },
  actions: [],
  links: [],
  recordings: [],
  gaps: [],
  gapNotes: [],
  ...over,
});
const action = (id: string, kind: CheckFacts['actions'][number]['kind'], minutes = 10, reason: 'privacy' | null = null) => ({
  id,
  kind,
  at: at(minutes),
  officer_badge: 'P1',
  not_recorded_reason: reason,
});
const recording = (id: string, startMinutes: number, over: Partial<CheckFacts['recordings'][number]> = {}) => ({
  id,
  started_at: at(startMinutes),
  ended_at: at(startMinutes + 5),
  officer_badge: 'P1',
  late: 0,
  upload_deadline: null,
  ...over,
});
const kinds = (f: CheckFacts, now = NOW) => findingsOf(f, now).map((x) => x.kind);

describe('the case check', () => {
  it('flags a mandated action with neither a recording nor a reason, citing the rule’s clauses', () => {
    const [finding] = findingsOf(facts({ actions: [action('a1', 'seizure')] }), NOW);
    expect(finding).toMatchObject({ kind: 'action_unrecorded', actionId: 'a1', officerBadge: 'P1', at: at(10) });
    expect(finding!.clauses).toEqual(['001 §15', '002 §13', '003 §14', '004 §10']);
  });

  it('lets a reason stand for the recording, and leaves recommended and optional actions alone', () => {
    expect(kinds(facts({ actions: [action('a1', 'seizure', 10, 'privacy'), action('a2', 'summary_procedure'), action('a3', 'inquiry')] }))).toEqual([]);
  });

  it('flags an action recorded only after it began, beyond the 5 s tolerance', () => {
    const linked = (startSeconds: number) =>
      facts({
        actions: [action('a1', 'inspection', 10)],
        links: [{ actionId: 'a1', linkId: 'l1', recordingId: 'r1' }],
        recordings: [recording('r1', 10 + startSeconds / 60)],
      });
    expect(kinds(linked(4))).toEqual([]);
    expect(kinds(linked(6))).toEqual(['recorded_after_action']);
  });

  it('does not flag an action when one of its recordings started in time', () => {
    const f = facts({
      actions: [action('a1', 'inspection', 10)],
      links: [
        { actionId: 'a1', linkId: 'l1', recordingId: 'r1' },
        { actionId: 'a1', linkId: 'l2', recordingId: 'r2' },
      ],
      recordings: [recording('r1', 9), recording('r2', 20)],
    });
    expect(kinds(f)).toEqual([]);
  });

  it('flags each gap without a note once, and late uploads', () => {
    const f = facts({
      actions: [action('a1', 'inspection', 10), action('a2', 'sampling', 11)],
      links: [
        { actionId: 'a1', linkId: 'l1', recordingId: 'r1' },
        { actionId: 'a2', linkId: 'l2', recordingId: 'r1' },
      ],
      recordings: [recording('r1', 9, { late: 1, upload_deadline: at(30) })],
      gaps: [
        { recording_id: 'r1', idx: 3, start_at: at(11) },
        { recording_id: 'r1', idx: 7, start_at: at(12) },
      ],
      gapNotes: [{ recording_id: 'r1', idx: 7 }],
    });
    const found = findingsOf(f, NOW);
    expect(found.map((x) => x.kind)).toEqual(['late_upload', 'gap_without_reason']);
    expect(found[0]).toMatchObject({ recordingId: 'r1', at: at(30), officerBadge: 'P1' });
    expect(found[1]).toMatchObject({ recordingId: 'r1', gapIdx: 3, at: at(11) });
  });

  it('flags an emergency start approved after 24 h, or still unapproved after 24 h', () => {
    const emergency = (approved: string | null, now = NOW) => kinds(facts({ case: { ...facts().case, emergency: 1, approved_at: approved } }), now);
    expect(emergency(at(24 * 60))).toEqual([]);
    expect(emergency(at(24 * 60 + 1))).toEqual(['emergency_approval_late']);
    expect(emergency(null)).toEqual([]);
    expect(emergency(null, new Date(at(24 * 60 + 1)))).toEqual(['emergency_approval_late']);
    expect(findingsOf(facts({ case: { ...facts().case, emergency: 1 } }), new Date(at(25 * 60)))[0]!.at).toBe(at(24 * 60));
  });

  it('flags a case ended more than 30 days ago and not archived', () => {
    const ended = (archived: string | null) => facts({ case: { ...facts().case, ended_at: at(0), archived_at: archived } });
    const day31 = new Date(at(31 * 24 * 60));
    expect(kinds(ended(null), new Date(at(30 * 24 * 60)))).toEqual([]);
    expect(kinds(ended(null), day31)).toEqual(['archive_overdue']);
    expect(findingsOf(ended(null), day31)[0]!.at).toBe(at(30 * 24 * 60));
    expect(kinds(ended(at(40 * 24 * 60)), day31)).toEqual([]);
  });
});

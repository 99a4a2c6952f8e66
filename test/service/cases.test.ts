/**
 * Cases kept through CaseService, and the case check read from what was kept (case-check.ts over
 * CaseRepository.linkedRecordings): the facts the pure findingsOf is unit-tested on (test/unit/case-check.test.ts),
 * here resolved from links, gaps, notes and uploads as stored; then the rules CaseService holds
 * a case to, each refusal audited.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Viewer } from '../../server/auth/user-registry.ts';
import { CaseCheck } from '../../server/cases/case-check.ts';
import { LINK_SLACK_MS, MAX_FUTURE_MS, type CaseService } from '../../server/cases/case-service.ts';
import { GapNotes } from '../../server/cases/gap-notes.ts';
import { CaseRepository } from '../../server/db/case-repository.ts';
import type { Case, Device } from '../../server/db/schema.ts';
import { bodycam, by, casesOf, DAY, HOUR, MINUTE, openWorld, refusalOf, sealed, signedIn, unique, type World } from './world.ts';

let w: World;
let cases: CaseService;
let custodian: Viewer;
let camera: Device;

beforeAll(async () => {
  w = await openWorld();
  cases = casesOf(w);
  custodian = await signedIn(w, 'custodian');
  camera = await bodycam(w, 'u1');
});
afterAll(async () => w?.close());

const ago = (ms: number) => new Date(w.clock.now().getTime() - ms);
const iso = (d: Date) => d.toISOString();

async function newCase(over: Record<string, unknown> = {}): Promise<Case> {
  return cases.create({ caseNo: unique('CASE-'), unit: 'u1', title: '案卷', ...over }, by(custodian));
}
async function action(c: Case, kind: string, at: Date) {
  return cases.addAction(c, { kind, stage: 'investigation', at: iso(at), officerBadge: camera.officer_badge! }, by(custodian));
}
const kinds = async (c: Case) => (await new CaseCheck(new CaseRepository(w.db), w.clock).findings(c.id)).map((f) => f.kind).sort();

async function refusals(caseId: string) {
  await w.audit.flush();
  return (await w.audit.query({ subject: caseId })).filter((e) => e.outcome === 'refused').map((e) => `${e.action} ${(JSON.parse(e.detail) as { reason: string }).reason}`);
}

describe('the case check, from what the case links', () => {
  it('finds a mandated action unrecorded until a recording from its start is linked, or a reason given', async () => {
    const c = await newCase();
    const seizure = await action(c, 'seizure', ago(5 * HOUR));
    const inspection = await action(c, 'inspection', ago(5 * HOUR));
    expect(await kinds(c)).toEqual(['action_unrecorded', 'action_unrecorded']);
    await cases.link(c, seizure.id, { recordingId: await sealed(w, camera, ago(5 * HOUR)) }, by(custodian));
    await cases.setReason(c, inspection.id, { reason: 'privacy' }, by(custodian));
    expect(await kinds(c)).toEqual([]);
  });

  it('finds an action recorded only after it began', async () => {
    const c = await newCase();
    const a = await action(c, 'inspection', ago(6 * HOUR));
    await cases.link(c, a.id, { recordingId: await sealed(w, camera, new Date(ago(6 * HOUR).getTime() + 10 * MINUTE)) }, by(custodian));
    expect(await kinds(c)).toEqual(['recorded_after_action']);
  });

  it('resolves a device window to the recordings overlapping it, an upload arriving later too', async () => {
    const c = await newCase();
    const a = await action(c, 'inspection', ago(7 * HOUR));
    const inside = await sealed(w, camera, ago(7 * HOUR));
    await sealed(w, camera, ago(7 * HOUR + 2 * HOUR));
    await cases.link(c, a.id, { deviceId: camera.id, from: iso(ago(7 * HOUR + MINUTE)), to: iso(ago(7 * HOUR - 30 * MINUTE)) }, by(custodian));
    const late = await sealed(w, camera, ago(7 * HOUR - 10 * MINUTE));
    expect((await new CaseCheck(new CaseRepository(w.db), w.clock).facts(c.id)).recordings.map((r) => r.id).sort()).toEqual([inside, late].sort());
  });

  it('finds a gap without a reason until one is noted, once', async () => {
    const c = await newCase();
    const a = await action(c, 'inspection', ago(8 * HOUR));
    const id = await sealed(w, camera, ago(8 * HOUR), { segments: 2, gap: true });
    await cases.link(c, a.id, { recordingId: id }, by(custodian));
    expect(await kinds(c)).toEqual(['gap_without_reason']);
    const recording = await w.sealer.getRecording(id);
    await new GapNotes(new CaseRepository(w.db), w.audit, w.clock).note(recording, 2, { reason: '信号中断' }, by(custodian));
    expect(await kinds(c)).toEqual([]);
    expect(await refusalOf(new GapNotes(new CaseRepository(w.db), w.audit, w.clock).note(recording, 2, { reason: '再写一次' }, by(custodian)))).toBe('gap_noted');
  });

  it('finds an upload that came late', async () => {
    const c = await newCase();
    const a = await action(c, 'inspection', ago(9 * HOUR));
    const rec = await w.sealer.openRecording(camera, ago(9 * HOUR), { origin: 'upload', late: 1, upload_deadline: iso(ago(2 * HOUR)), received_at: iso(ago(HOUR)) });
    await w.sealer.sealSegment(rec.id, { bytes: Buffer.from('late'), startAt: ago(9 * HOUR), durationMs: 2000, source: `test/${rec.id}/1.ts` });
    await w.sealer.close(rec.id);
    await cases.link(c, a.id, { recordingId: rec.id }, by(custodian));
    expect(await kinds(c)).toEqual(['late_upload']);
  });

  it('finds an emergency case approved late, and a case not archived 30 days after its end', async () => {
    const c = await newCase({ emergency: true, initiatedAt: iso(ago(2 * DAY)) });
    expect(await kinds(c)).toEqual(['emergency_approval_late']);
    await cases.end(c, {}, by(custodian));
    w.clock.advance(31 * DAY);
    expect(await kinds(c)).toEqual(['archive_overdue', 'emergency_approval_late']);
  });

  it('once archived, keeps the links it was frozen with: a later upload in the window joins no archived case', async () => {
    const open = await newCase();
    const archived = await newCase();
    const window = { deviceId: camera.id, from: iso(ago(3 * HOUR)), to: iso(ago(2 * HOUR)) };
    const before = await sealed(w, camera, ago(3 * HOUR));
    for (const c of [open, archived]) await cases.link(c, (await action(c, 'inspection', ago(3 * HOUR))).id, window, by(custodian));
    await cases.end(archived, {}, by(custodian));
    await cases.archive(await cases.load(archived.id), by(custodian));
    const after = await sealed(w, camera, ago(150 * MINUTE));
    expect((await new CaseCheck(new CaseRepository(w.db), w.clock).facts(archived.id)).recordings.map((r) => r.id)).toEqual([before]);
    expect((await new CaseCheck(new CaseRepository(w.db), w.clock).facts(open.id)).recordings.map((r) => r.id)).toEqual([before, after]);
  });
});

describe('the case rules', () => {
  it('take no time still to come, beyond the clocks’ drift', async () => {
    const c = await newCase();
    expect(await refusalOf(action(c, 'inspection', new Date(w.clock.now().getTime() + MAX_FUTURE_MS + MINUTE)))).toBe('time_in_future');
    expect((await action(c, 'inspection', new Date(w.clock.now().getTime() + MAX_FUTURE_MS - MINUTE))).kind).toBe('inspection');
    expect(await refusals(c.id)).toEqual(['case.action.add time_in_future']);
  });

  it('link only the unit’s own recordings, and device windows near their action', async () => {
    const c = await newCase();
    const a = await action(c, 'inspection', ago(4 * HOUR));
    const elsewhere = await sealed(w, await bodycam(w, 'u2'), ago(4 * HOUR));
    expect(await refusalOf(cases.link(c, a.id, { recordingId: elsewhere }, by(custodian)))).toBe('recording of another unit');
    const far = { deviceId: camera.id, from: iso(ago(4 * HOUR + LINK_SLACK_MS + 2 * HOUR)), to: iso(ago(4 * HOUR + LINK_SLACK_MS + MINUTE)) };
    expect(await refusalOf(cases.link(c, a.id, far, by(custodian)))).toBe('link_window_off_action');
    expect(await refusals(c.id)).toEqual(['case.link recording of another unit', 'case.link link_window_off_action']);
  });

  it.each([
    { who: 'an active reviewer as reviewer', role: 'reviewer', as: 'reviewer', refused: null },
    { who: 'a commander as reviewer', role: 'commander', as: 'reviewer', refused: 'not_a_reviewer' },
    { who: 'a commander of the unit as officer', role: 'commander', as: 'officer', refused: null },
    { who: 'a commander of another unit as officer', role: 'commander', unit: 'u2', as: 'officer', refused: 'not_an_officer' },
    { who: 'a party as officer', role: 'party', as: 'officer', refused: 'not_an_officer' },
    { who: 'an auditor as officer', role: 'auditor', as: 'officer', refused: 'not_an_officer' },
  ] as const)('take $who: $refused', async (t) => {
    const c = await newCase();
    const person = await signedIn(w, t.role, { unit: 'unit' in t ? t.unit : 'u1' });
    expect(await refusalOf(cases.addMember(c, { badge: person.badge, role: t.as }, by(custodian)))).toBe(t.refused);
    expect(await cases.isMember(c.id, person.badge)).toBe(t.refused === null);
  });

  it('take the officer wearing the unit’s camera, once, but not a badge nobody holds', async () => {
    const c = await newCase();
    await cases.addMember(c, { badge: camera.officer_badge!, role: 'officer' }, by(custodian));
    expect(await refusalOf(cases.addMember(c, { badge: camera.officer_badge!, role: 'officer' }, by(custodian)))).toBe('member_exists');
    expect(await refusalOf(cases.addMember(c, { badge: 'NOBODY-1', role: 'officer' }, by(custodian)))).toBe('not_an_officer');
  });

  it('approve an emergency start once, not before it began, and only an emergency', async () => {
    const plain = await newCase();
    expect(await refusalOf(cases.approveEmergency(plain, {}, by(custodian)))).toBe('not_emergency');
    const c = await newCase({ emergency: true, initiatedAt: iso(ago(HOUR)) });
    expect(await refusalOf(cases.approveEmergency(c, { at: iso(ago(2 * HOUR)) }, by(custodian)))).toBe('approval_before_start');
    await cases.approveEmergency(c, {}, by(custodian));
    expect(await refusalOf(cases.approveEmergency(c, {}, by(custodian)))).toBe('already_approved');
    expect(await kinds(await cases.load(c.id))).toEqual([]);
  });

  it('run stages in order: started once, ended once, not before they began', async () => {
    const c = await newCase();
    expect(await refusalOf(cases.stageEvent(c, { stage: 'decision', event: 'end' }, by(custodian)))).toBe('stage_not_started');
    await cases.stageEvent(c, { stage: 'decision', event: 'start' }, by(custodian));
    expect(await refusalOf(cases.stageEvent(c, { stage: 'decision', event: 'start' }, by(custodian)))).toBe('stage_started');
    expect(await refusalOf(cases.stageEvent(c, { stage: 'decision', event: 'end', at: iso(ago(DAY)) }, by(custodian)))).toBe('stage_ends_before_start');
    await cases.stageEvent(c, { stage: 'decision', event: 'end' }, by(custodian));
    expect(await refusals(c.id)).toEqual(['case.stage.end stage_not_started', 'case.stage.start stage_started', 'case.stage.end stage_ends_before_start']);
  });

  it('archive an ended case with its recordings closed, then take annotations only', async () => {
    const c = await newCase();
    expect(await refusalOf(cases.archive(c, by(custodian)))).toBe('case_not_ended');
    const open = await w.sealer.openRecording(camera, ago(30 * MINUTE));
    await cases.link(c, (await action(c, 'inspection', ago(30 * MINUTE))).id, { recordingId: open.id }, by(custodian));
    await cases.end(c, {}, by(custodian));
    expect(await refusalOf(cases.archive(await cases.load(c.id), by(custodian)))).toBe('recording_not_closed');
    await w.sealer.close(open.id);
    const { manifestKey } = await cases.archive(await cases.load(c.id), by(custodian));
    expect(await w.store.head(manifestKey)).not.toBeNull();

    const frozen = await cases.load(c.id);
    expect(await refusalOf(action(frozen, 'inspection', ago(MINUTE)))).toBe('case_archived');
    expect(await refusalOf(cases.archive(frozen, by(custodian)))).toBe('case_archived');
    expect((await cases.annotate(frozen, { text: '归档后备注' }, by(custodian))).id).toMatch(/^ann-/);
    expect(await refusals(c.id)).toEqual(['case.archive case_not_ended', 'case.archive recording_not_closed', 'case.action.add case_archived', 'case.archive case_archived']);
  });

  it('give each case number to one case', async () => {
    const c = await newCase();
    expect(await refusalOf(newCase({ caseNo: c.case_no }))).toBe('case_no_taken');
  });
});

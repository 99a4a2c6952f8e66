import { describe, expect, it } from 'vitest';
import type { Viewer } from '../../server/auth/user-registry.ts';
import type { Role } from '../../server/db/schema.ts';
import { mayAddMember, mayAnnotateCase, mayArchiveCase, mayEditCase, mayNoteGap, mayReadCase } from '../../server/policy/case-policy.ts';

const viewer = (role: Role, unit = 'U1', badge = 'B1'): Viewer => ({ id: `u-${role}`, name: role, badge, role, unit, clearances: [] });
const OWN = { unit: 'U1', viewerIsMember: false };
const OTHER = { unit: 'U2', viewerIsMember: false };
const OTHER_AS_MEMBER = { unit: 'U2', viewerIsMember: true };

describe('reading a case', () => {
  it.each<[Role, typeof OWN, boolean]>([
    ['commander', OWN, true],
    ['commander', OTHER, false],
    ['commander', OTHER_AS_MEMBER, true],
    ['custodian', OWN, true],
    ['custodian', OTHER, false],
    ['agency_head', OWN, true],
    ['agency_head', OTHER, false],
    ['legal', OWN, true],
    ['legal', OTHER, false],
    ['reviewer', OWN, false],
    ['reviewer', OTHER_AS_MEMBER, true],
    ['auditor', OTHER, true],
    ['admin', OWN, false],
    ['admin', OTHER_AS_MEMBER, false],
    ['party', OWN, false],
    ['party', OTHER_AS_MEMBER, false],
  ])('%s on %o: %s', (role, facts, allowed) => {
    expect(mayReadCase(viewer(role), facts).allow).toBe(allowed);
  });
});

describe('keeping a case (create, members, stages, actions, links, reasons, end)', () => {
  it.each<[Role, string, boolean]>([
    ['commander', 'U1', true],
    ['custodian', 'U1', true],
    ['commander', 'U2', false],
    ['custodian', 'U2', false],
    ['reviewer', 'U1', false],
    ['agency_head', 'U1', false],
    ['legal', 'U1', false],
    ['auditor', 'U1', false],
    ['admin', 'U1', false],
    ['party', 'U1', false],
  ])('%s of U1 on a case of %s: %s', (role, unit, allowed) => {
    expect(mayEditCase(viewer(role), { unit }).allow).toBe(allowed);
  });
});

describe('adding a member', () => {
  it.each<[Role, string, 'officer' | 'reviewer', boolean]>([
    ['commander', 'U1', 'officer', true],
    ['custodian', 'U1', 'officer', true],
    ['commander', 'U2', 'officer', false],
    // A reviewer member replays all the case links: giving that is the custodian's act, as sharing is.
    ['custodian', 'U1', 'reviewer', true],
    ['commander', 'U1', 'reviewer', false],
    ['custodian', 'U2', 'reviewer', false],
    ['reviewer', 'U1', 'reviewer', false],
    ['reviewer', 'U1', 'officer', false],
    ['agency_head', 'U1', 'reviewer', false],
    ['admin', 'U1', 'reviewer', false],
  ])('%s of U1 on a case of %s adding a %s: %s', (role, unit, memberRole, allowed) => {
    expect(mayAddMember(viewer(role), { unit }, memberRole).allow).toBe(allowed);
  });
});

describe('archiving a case', () => {
  it('is the custodian of its unit’s, no one else’s', () => {
    expect(mayArchiveCase(viewer('custodian'), { unit: 'U1' }).allow).toBe(true);
    expect(mayArchiveCase(viewer('custodian'), { unit: 'U2' }).allow).toBe(false);
    for (const role of ['commander', 'reviewer', 'agency_head', 'legal', 'auditor', 'admin', 'party'] as Role[]) expect(mayArchiveCase(viewer(role), { unit: 'U1' }).allow).toBe(false);
  });
});

describe('annotating a case', () => {
  it('is open to whoever reads it, the auditor apart', () => {
    expect(mayAnnotateCase(viewer('reviewer'), OTHER_AS_MEMBER).allow).toBe(true);
    expect(mayAnnotateCase(viewer('legal'), OWN).allow).toBe(true);
    expect(mayAnnotateCase(viewer('reviewer'), OWN).allow).toBe(false);
    expect(mayAnnotateCase(viewer('auditor'), OWN).allow).toBe(false);
    expect(mayAnnotateCase(viewer('party'), OWN).allow).toBe(false);
  });
});

describe('giving a gap its reason', () => {
  const gap = { unit: 'U1', officerBadge: 'P7' };
  it.each<[Viewer, boolean]>([
    [viewer('commander'), true],
    [viewer('custodian'), true],
    [viewer('commander', 'U2'), false],
    [viewer('reviewer', 'U1', 'P7'), true],
    [viewer('reviewer'), false],
    [viewer('auditor'), false],
    [viewer('party', 'U1', 'P7'), false],
  ])('%o: %s', (v, allowed) => {
    expect(mayNoteGap(v, gap).allow).toBe(allowed);
  });
  it('a recording without an officer is noted only by its unit’s keepers', () => {
    expect(mayNoteGap(viewer('reviewer', 'U1', 'P7'), { unit: 'U1', officerBadge: null }).allow).toBe(false);
  });
});

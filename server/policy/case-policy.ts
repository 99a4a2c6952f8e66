/**
 * Who may do what with cases: pure decisions, unit-tested as a table (test/unit/case-policy.test.ts).
 *
 *   commander, custodian   create their unit's cases and keep them (officers, stages, actions, links, reasons)
 *   custodian              adds reviewers to their unit's cases (policy.ts: sharing with reviewers is the custodian's)
 *   custodian              archives their unit's ended cases (001 §34: the designated keeper files them)
 *   agency_head, legal     read their unit's cases
 *   members                officers and reviewers on a case (by badge) read it
 *   auditor                reads every case, changes none
 *   everyone who may read a case, the auditor apart, may annotate it (案卷评查 notes)
 *   gap notes              the recording unit's custodian or commander, or the officer whose badge is on it
 *   admin, party           no cases
 */
import type { Viewer } from '../auth/user-registry.ts';
import type { Decision } from './policy.ts';

const ALLOW: Decision = { allow: true };
const deny = (reason: string): Decision => ({ allow: false, reason });

export interface CaseFacts {
  unit: string;
  /** the viewer's badge is among the case's officers or reviewers */
  viewerIsMember: boolean;
}

const keepsUnit = (v: Viewer, unit: string): Decision => {
  if (v.role !== 'commander' && v.role !== 'custodian') return deny(`role ${v.role} does not keep cases`);
  return v.unit === unit ? ALLOW : deny('case of another unit');
};

export function mayReadCase(v: Viewer, c: CaseFacts): Decision {
  switch (v.role) {
    case 'auditor':
      return ALLOW;
    case 'admin':
    case 'security_officer':
    case 'party':
      return deny(`role ${v.role} does not see cases`);
    case 'reviewer':
      return c.viewerIsMember ? ALLOW : deny('reviewer not on this case');
    default:
      return v.unit === c.unit || c.viewerIsMember ? ALLOW : deny('case of another unit');
  }
}

/** Creating a case in `unit`, and every later edit of its facts. */
export function mayEditCase(v: Viewer, c: Pick<CaseFacts, 'unit'>): Decision {
  return keepsUnit(v, c.unit);
}

/**
 * Adding a member: an officer by whoever keeps the case; a reviewer only by its unit's custodian,
 * since a reviewer member replays every recording the case links (mirrors `mayKeep`). An officer
 * member replays nothing by it (onCaseOf, case-repository.ts) and must be one of the unit's own
 * (case-service.ts).
 */
export function mayAddMember(v: Viewer, c: Pick<CaseFacts, 'unit'>, role: 'officer' | 'reviewer'): Decision {
  if (role === 'reviewer' && v.role !== 'custodian') return deny(`role ${v.role} does not give reviewers access; the custodian does`);
  return keepsUnit(v, c.unit);
}

export function mayArchiveCase(v: Viewer, c: Pick<CaseFacts, 'unit'>): Decision {
  if (v.role !== 'custodian') return deny(`role ${v.role} does not archive cases`);
  return v.unit === c.unit ? ALLOW : deny('case of another unit');
}

export function mayAnnotateCase(v: Viewer, c: CaseFacts): Decision {
  if (v.role === 'auditor') return deny('the auditor reads cases without changing them');
  return mayReadCase(v, c);
}

export interface GapFacts {
  /** the recording's unit and officer */
  unit: string;
  officerBadge: string | null;
}

/** A gap's reason is given by the officer who wore the camera or by those who keep or command the unit. */
export function mayNoteGap(v: Viewer, g: GapFacts): Decision {
  if (g.officerBadge !== null && v.badge === g.officerBadge && v.role !== 'party') return ALLOW;
  return keepsUnit(v, g.unit);
}

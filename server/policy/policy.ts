/**
 * Who may do what: the one place that decides. Pure functions of the viewer and the facts about
 * the thing asked for, so the whole table is unit-tested without a server.
 *
 *   commander  live feeds and recordings of their unit
 *   reviewer   recordings a custodian shared with them, and those linked to cases they are members of
 *   custodian  their unit's recordings; shares and labels them (a label's change needs its clearance)
 *   auditor    the audit log, no media; the state of jobs
 *   commander and custodian also follow the jobs working on the recordings they may replay
 *   admin      users and devices, no media; gives media or clearances only with a security officer
 *   security_officer  approves or rejects the admin's grants (account-policy.ts), no media
 *   custodian and commander also read the device list (custodians every unit's, commanders their own)
 *   the officer wearing a bodycam, or a commander of its unit, marks the 告知 notice on its recording
 *   custodian  also makes exports of their unit's recordings: evidence packages, and party copies
 *              under an approval number (001 §36: the agency head's consent)
 *   agency_head decides parties' view and copy requests; party  plays only in a supervised room,
 *              and receives copies, under an approval (party-policy.ts); legal  no media
 *
 * A recording with a confidentiality label needs the matching clearance, whatever the role
 * (001 §35: state secrets, trade secrets and privacy are guarded).
 */
import type { Viewer } from '../auth/user-registry.ts';
import type { Confidentiality, Export } from '../db/schema.ts';

export type Decision = { allow: true } | { allow: false; reason: string };

const ALLOW: Decision = { allow: true };
const deny = (reason: string): Decision => ({ allow: false, reason });

export interface RecordingFacts {
  unit: string;
  confidentiality: Confidentiality | null;
  /** a custodian shared this recording with the viewer */
  sharedWithViewer: boolean;
  /** the viewer is a member of a case one of whose actions links this recording */
  onViewersCase: boolean;
}

export function mayWatchLive(v: Viewer, deviceUnit: string): Decision {
  if (v.role !== 'commander') return deny(`role ${v.role} does not watch live feeds`);
  return v.unit === deviceUnit ? ALLOW : deny('device of another unit');
}

export function mayListLive(v: Viewer): Decision {
  return v.role === 'commander' ? ALLOW : deny(`role ${v.role} does not watch live feeds`);
}

/** Replay, the recording's timeline and its verification state. */
export function mayReplay(v: Viewer, r: RecordingFacts): Decision {
  if (r.confidentiality && !v.clearances.includes(r.confidentiality)) return deny(`no ${r.confidentiality} clearance`);
  switch (v.role) {
    case 'commander':
    case 'custodian':
      return v.unit === r.unit ? ALLOW : deny('recording of another unit');
    case 'reviewer':
      return r.sharedWithViewer || r.onViewersCase ? ALLOW : deny('recording neither shared with this reviewer nor on their case');
    default:
      return deny(`role ${v.role} does not view media`);
  }
}

/** Sharing with a reviewer and setting the confidentiality label are the custodian's acts. */
export function mayKeep(v: Viewer, r: Pick<RecordingFacts, 'unit'>): Decision {
  if (v.role !== 'custodian') return deny(`role ${v.role} is not a custodian`);
  return v.unit === r.unit ? ALLOW : deny('recording of another unit');
}

/**
 * Setting, changing or clearing a label: the custodian's act, and only with the clearance of the
 * label taken off and of the one put on. Otherwise a custodian not cleared for a label clears it
 * and then replays what it guarded, or fences a recording off with a label beyond their own reach.
 */
export function mayLabel(v: Viewer, r: Pick<RecordingFacts, 'unit' | 'confidentiality'>, to: Confidentiality | null): Decision {
  const keeps = mayKeep(v, r);
  if (!keeps.allow) return keeps;
  for (const label of [r.confidentiality, to]) if (label && !v.clearances.includes(label)) return deny(`no ${label} clearance`);
  return ALLOW;
}

/** Sharing opens replay to a reviewer: only a custodian of the unit cleared for the recording's label shares it. */
export function mayShare(v: Viewer, r: Pick<RecordingFacts, 'unit' | 'confidentiality'>): Decision {
  return mayLabel(v, r, r.confidentiality);
}

/**
 * The state of the jobs working on a recording (renditions, watermarks, exports of it): for those
 * who keep or command it, and for auditors, who see what was made of the evidence but no media.
 */
export function mayReadJobs(v: Viewer, r: Pick<RecordingFacts, 'unit' | 'confidentiality'>): Decision {
  if (v.role === 'auditor') return ALLOW;
  if (v.role !== 'commander' && v.role !== 'custodian') return deny(`role ${v.role} does not follow jobs`);
  return mayReplay(v, { ...r, sharedWithViewer: false, onViewersCase: false });
}

export function mayReadAudit(v: Viewer): Decision {
  return v.role === 'auditor' ? ALLOW : deny(`role ${v.role} does not read the audit log`);
}

export function mayAdminister(v: Viewer): Decision {
  return v.role === 'admin' ? ALLOW : deny(`role ${v.role} does not administer`);
}

/** The device list: the admin's to keep, every custodian's to look after, a commander's for their unit. */
export function mayListDevices(v: Viewer): Decision {
  return v.role === 'admin' || v.role === 'custodian' || v.role === 'commander' ? ALLOW : deny(`role ${v.role} does not see devices`);
}

export function maySeeDevice(v: Viewer, deviceUnit: string): Decision {
  const listed = mayListDevices(v);
  if (!listed.allow || v.role !== 'commander') return listed;
  return v.unit === deviceUnit ? ALLOW : deny('device of another unit');
}

export interface NoticeFacts {
  officerBadge: string | null;
  unit: string;
}

/** The 告知 marker from a signed-in app: the officer the camera is assigned to, or a commander of its unit. */
export function mayMarkNotice(v: Viewer, d: NoticeFacts): Decision {
  if (d.officerBadge !== null && v.badge === d.officerBadge) return ALLOW;
  if (v.role !== 'commander') return deny('not the officer assigned to this device');
  return v.unit === d.unit ? ALLOW : deny('device of another unit');
}

/**
 * Exports are a custodian's act on their unit's recordings, and a labelled recording needs the
 * clearance here as for replay. Checked again on every download: a label set after the request
 * still stops the copy from leaving.
 */
export function mayExport(v: Viewer, r: Pick<RecordingFacts, 'unit' | 'confidentiality'>, kind: Export['kind'], redacted = false): Decision {
  if (v.role !== 'custodian') return deny(`role ${v.role} does not make exports`);
  if (v.unit !== r.unit) return deny('recording of another unit');
  if (r.confidentiality && !v.clearances.includes(r.confidentiality)) return deny(`no ${r.confidentiality} clearance`);
  return mayGiveOut(kind, r, redacted);
}

/**
 * What may leave the agency whoever asks, the command line included: a labelled recording is
 * copied for a party only as a redaction of it, never whole (001 §36, 001 §37: confidential parts
 * are excluded). `redacted`: the copy is made from a redaction.
 */
export function mayGiveOut(kind: Export['kind'], r: Pick<RecordingFacts, 'confidentiality'>, redacted = false): Decision {
  if (kind === 'party_copy' && r.confidentiality && !redacted) return deny(`a ${r.confidentiality} recording is not copied for a party`);
  return ALLOW;
}

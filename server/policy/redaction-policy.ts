/**
 * Who redacts a recording (001 §37: confidential parts are kept from what a party sees): the
 * custodian who keeps it, or a reviewer who may replay it (shared with them, or on their case).
 * A labelled recording needs the clearance whoever asks, as for replay. The marks and states of a
 * recording's redactions are read by the same people, and by the agency head of its unit, who
 * chooses a redaction when approving a party's request for a labelled recording (001 §36).
 * Pure: the replay decision is looked up by the caller (PlaybackService.replayDecision).
 */
import type { Viewer } from '../auth/user-registry.ts';
import type { Decision, RecordingFacts } from './policy.ts';

type Facts = Pick<RecordingFacts, 'unit' | 'confidentiality'>;

const ALLOW: Decision = { allow: true };
const deny = (reason: string): Decision => ({ allow: false, reason });

export function mayRedact(v: Viewer, r: Facts, replay: Decision): Decision {
  if (r.confidentiality && !v.clearances.includes(r.confidentiality)) return deny(`no ${r.confidentiality} clearance`);
  switch (v.role) {
    case 'custodian':
      return v.unit === r.unit ? ALLOW : deny('recording of another unit');
    case 'reviewer':
      return replay.allow ? ALLOW : replay;
    default:
      return deny(`role ${v.role} does not redact`);
  }
}

export function mayReadRedactions(v: Viewer, r: Facts, replay: Decision): Decision {
  if (v.role !== 'agency_head') return mayRedact(v, r, replay);
  return v.unit === r.unit ? ALLOW : deny('recording of another unit');
}

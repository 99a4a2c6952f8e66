/**
 * Parties (当事人) and their view and copy requests: who may ask, who decides, who supervises,
 * and when a party's room may play. Pure functions of the viewer and the facts, like policy.ts.
 *
 *   party        asks for themselves; sees their own requests and rooms; plays only in an open room
 *   custodian, commander   ask on a party's behalf for their unit's recordings and see its requests
 *   agency_head  decides the unit's requests (000 §21, 001 §36: 行政机关负责人同意)
 *   custodian    supervises the unit's rooms: joins (the room opens only then), pauses, ends (004 §18)
 *
 * A recording with a confidentiality label is put in a party's scope only as a ready redaction of
 * it (000 §22, 001 §37: confidential parts are excluded), and an approval holds only while the
 * recording keeps the label it had when the head decided.
 */
import type { Viewer } from '../auth/user-registry.ts';
import type { Confidentiality, PartyRequestState, RedactionState, RoomState } from '../db/schema.ts';
import { type Decision } from './policy.ts';

const ALLOW: Decision = { allow: true };
const deny = (reason: string): Decision => ({ allow: false, reason });

const isStaff = (v: Viewer) => v.role === 'custodian' || v.role === 'commander';

export interface RequestFacts {
  unit: string;
  partyUserId: string;
}

/**
 * A new request for recordings of `unit`: a party for themselves (their account belongs to the
 * unit that handles their matter), staff of the unit for a named party.
 */
export function mayRequest(v: Viewer, unit: string, onBehalf: boolean): Decision {
  if (v.role === 'party') return onBehalf ? deny('a party asks only for themselves') : v.unit === unit ? ALLOW : deny('recordings of another unit');
  if (!isStaff(v)) return deny(`role ${v.role} does not make party requests`);
  if (!onBehalf) return deny('staff ask on behalf of a named party');
  return v.unit === unit ? ALLOW : deny('recordings of another unit');
}

/** Reading a request (and the rooms' list of it): its party, the unit's staff and agency head. */
export function maySeeRequest(v: Viewer, r: RequestFacts): Decision {
  if (v.role === 'party') return v.id === r.partyUserId ? ALLOW : deny('another party’s request');
  if (!isStaff(v) && v.role !== 'agency_head') return deny(`role ${v.role} does not see party requests`);
  return v.unit === r.unit ? ALLOW : deny('request of another unit');
}

export function mayDecide(v: Viewer, r: RequestFacts): Decision {
  if (v.role !== 'agency_head') return deny(`role ${v.role} does not decide party requests`);
  return v.unit === r.unit ? ALLOW : deny('request of another unit');
}

/** Making a room for an approved request: its party, or staff of the unit for them. */
export function mayMakeRoom(v: Viewer, r: RequestFacts): Decision {
  if (v.role === 'party') return v.id === r.partyUserId ? ALLOW : deny('another party’s request');
  if (!isStaff(v)) return deny(`role ${v.role} does not make viewing rooms`);
  return v.unit === r.unit ? ALLOW : deny('request of another unit');
}

export function maySupervise(v: Viewer, r: RequestFacts): Decision {
  if (v.role !== 'custodian') return deny(`role ${v.role} does not supervise viewing rooms`);
  return v.unit === r.unit ? ALLOW : deny('room of another unit');
}

/** Reading a room: its party, and the custodians who may supervise it. */
export function maySeeRoom(v: Viewer, r: RequestFacts): Decision {
  return v.role === 'party' ? maySeeRequest(v, r) : maySupervise(v, r);
}

/** Playing in a room and receiving copies: the request's own party only. */
export function isTheParty(v: Viewer, r: RequestFacts): Decision {
  if (v.role !== 'party') return deny(`role ${v.role} is not a party`);
  return v.id === r.partyUserId ? ALLOW : deny('another party’s request');
}

export interface ScopeFacts {
  recordingId: string;
  confidentiality: Confidentiality | null;
  /** the redaction the decision names for this recording, as found */
  redaction: { recordingId: string; state: RedactionState } | null;
}

/**
 * Why an approved recording cannot be put in scope as the decision says, or null: a labelled
 * recording needs a ready redaction of it; a redaction named for any recording must be one.
 */
export function scopeProblem(s: ScopeFacts): 'confidential_needs_redaction' | 'redaction_not_ready' | null {
  const usable = s.redaction !== null && s.redaction.recordingId === s.recordingId && s.redaction.state === 'ready';
  if (s.confidentiality !== null && !usable) return 'confidential_needs_redaction';
  if (s.redaction !== null && !usable) return 'redaction_not_ready';
  return null;
}

export interface WindowFacts {
  state: PartyRequestState;
  windowFrom: string | null;
  windowUntil: string | null;
}

/** Why the approval does not cover `now`, or null. */
export function windowProblem(r: WindowFacts, now: Date): 'request_not_approved' | 'window_not_open' | 'window_closed' | null {
  if (r.state !== 'approved' || r.windowFrom === null || r.windowUntil === null) return 'request_not_approved';
  if (now.getTime() < Date.parse(r.windowFrom)) return 'window_not_open';
  if (now.getTime() >= Date.parse(r.windowUntil)) return 'window_closed';
  return null;
}

export interface RoomCountFacts extends WindowFacts {
  maxViewings: number | null;
  /** rooms of the request waiting, open or paused */
  activeRooms: number;
  /** rooms a supervisor opened: each is one viewing */
  viewingsUsed: number;
}

/** Why no new room may be made for the request now, or null. */
export function roomCreateProblem(r: RoomCountFacts, now: Date): string | null {
  const window = windowProblem(r, now);
  if (window) return window;
  if (r.activeRooms > 0) return 'room_active';
  return r.viewingsUsed >= (r.maxViewings ?? 0) ? 'viewings_used' : null;
}

/** A recording in an approval's scope: whether approved, as which redaction, under which label then and now. */
export interface ScopedRecordingFacts {
  approved: boolean;
  redactionId: string | null;
  /** the recording's label now */
  confidentiality: Confidentiality | null;
  /** its label when the head decided */
  confidentialityAtDecision: Confidentiality | null;
}

/**
 * Why an approved recording may not leave for the party as approved, or null. The head judged
 * the recording under the label it then had, and a redaction chosen for that label need not hide
 * what another protects: a label set, changed or lifted since voids that judgement, and only a
 * new request and decision put the recording in scope again.
 */
function scopedProblem(f: ScopedRecordingFacts): string | null {
  if (!f.approved) return 'recording not in the approved scope';
  if (f.confidentiality !== f.confidentialityAtDecision) return 'label_changed';
  if (f.confidentiality !== null && f.redactionId === null) return 'confidential_needs_redaction';
  return null;
}

export interface RoomPlayFacts extends WindowFacts, ScopedRecordingFacts {
  roomState: RoomState;
}

/**
 * Whether the party's room may serve the recording now. Asked again on every playlist and
 * segment request: a pause, an end, the window's close or a label set or changed since the
 * approval stops the next byte.
 */
export function mayPlayInRoom(f: RoomPlayFacts, now: Date): Decision {
  const window = windowProblem(f, now);
  if (window) return deny(window);
  if (f.roomState !== 'open') return deny(f.roomState === 'waiting' ? 'room_not_open' : `room_${f.roomState}`);
  const problem = scopedProblem(f);
  return problem ? deny(problem) : ALLOW;
}

export interface CopyFacts extends WindowFacts, ScopedRecordingFacts {
  kind: 'view' | 'copy';
  copyAllowed: boolean;
}

/** Whether the party may receive (ask for, or download) a copy of the recording now. */
export function mayCopy(f: CopyFacts, now: Date): Decision {
  const window = windowProblem(f, now);
  if (window) return deny(window);
  if (f.kind !== 'copy' || !f.copyAllowed) return deny('copy not allowed by the approval');
  const problem = scopedProblem(f);
  return problem ? deny(problem) : ALLOW;
}

/**
 * The refusals of a party's own play or copy whose reason the party is told (in the 403's body,
 * for their page to say in words): the state of their approval and their room, and that the
 * approval no longer holds because a label changed (not which). The rest (another party's room,
 * a recording outside the scope) stay unexplained.
 */
export const TOLD_REFUSALS: ReadonlySet<string> = new Set(['request_not_approved', 'window_not_open', 'window_closed', 'room_not_open', 'room_paused', 'room_ended', 'label_changed']);

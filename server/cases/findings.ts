/**
 * What a case check finds wrong, as data: the case page, `liuhen case check` and the compliance
 * analytics all read the same list (server/cases/case-check.ts makes it).
 */
export type FindingKind =
  /** a mandated action (recording-rules.ts) with neither a linked recording nor a notRecordedReason */
  | 'action_unrecorded'
  /** a linked recording has a gap that no person has given a reason for */
  | 'gap_without_reason'
  /** every recording linked to the action started after the action's time: recorded afterwards */
  | 'recorded_after_action'
  /** an emergency start approved more than 24 h after initiation (000 §6, 001 §6), or not yet approved after 24 h */
  | 'emergency_approval_late'
  /** a linked recording reached the system more than 24 h after it ended (000 §19, 001 §32) */
  | 'late_upload'
  /** the case ended more than 30 days ago and is not archived (000 §19, 001 §32) */
  | 'archive_overdue';

export interface Finding {
  kind: FindingKind;
  caseId: string;
  actionId?: string;
  recordingId?: string;
  /** the gap's ledger index */
  gapIdx?: number;
  /** the officer answerable for it (the action's, or the recording's) */
  officerBadge: string | null;
  /** when it happened: the action's time, the gap's start, the deadline that passed */
  at: string;
  /** the seed clauses that make it a finding, e.g. ["000 §11", "001 §11"] */
  clauses: string[];
}

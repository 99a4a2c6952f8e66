/** The seeds' clocks on a case: 24 h to approve an emergency start, 30 days to archive after the end. */
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** 000 §6, 001 §6: an emergency start is reported for approval within 24 h. */
export const EMERGENCY_APPROVAL_MS = 24 * HOUR_MS;
/** 000 §19, 001 §32, 004 §17: the case file is archived within 30 days of the act's end. */
export const ARCHIVE_MS = 30 * DAY_MS;
/** A recording that starts within one segment or so of the action still recorded it from the start. */
export const RECORDING_START_TOLERANCE_MS = 5_000;

const plus = (iso: string, ms: number): string => new Date(Date.parse(iso) + ms).toISOString();

export function archiveDeadline(endedAt: string | null): string | null {
  return endedAt === null ? null : plus(endedAt, ARCHIVE_MS);
}

export function emergencyApprovalDeadline(initiatedAt: string): string {
  return plus(initiatedAt, EMERGENCY_APPROVAL_MS);
}

/** Whether a case that ended is past its archive deadline without being archived. */
export function archiveOverdue(c: { ended_at: string | null; archived_at: string | null }, now: Date): boolean {
  const deadline = archiveDeadline(c.ended_at);
  return deadline !== null && c.archived_at === null && now.toISOString() > deadline;
}

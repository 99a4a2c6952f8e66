/**
 * Which recordings a case's actions link: whole recordings, and every recording of a linked device
 * that overlaps the linked window (so a bodycam clip uploaded the next day joins the case by
 * itself). The one definition the case check, reviewer access, party requests and analytics share.
 *
 * That resolution is live only while the case is open. Archiving writes what the links then
 * resolved to into `case_archived_links`, in the transaction that freezes the case, and from then
 * on those rows are the case's links: an upload arriving after the signed manifest does not join
 * a frozen case, nor give its reviewers replay.
 */
import type { Db } from '../db/database.ts';
import { CaseRepository, type LinkedRecording } from '../db/case-repository.ts';

// Other areas still import these from here.
export { linkedToAnyCase, onCaseOf, type LinkedRecording } from '../db/case-repository.ts';

/** What the links of an open case resolve to now (also what archiving freezes). */
export async function liveLinkedRecordings(db: Db, caseId: string): Promise<LinkedRecording[]> {
  return new CaseRepository(db).liveLinks(caseId);
}

/** The links an archived case was frozen with. */
export async function frozenLinkedRecordings(db: Db, caseId: string): Promise<LinkedRecording[]> {
  return new CaseRepository(db).frozenLinks(caseId);
}

/** Every (action, recording) pair of the case, by link: live while open, as frozen once archived. */
export async function linkedRecordings(db: Db, caseId: string): Promise<LinkedRecording[]> {
  const cases = new CaseRepository(db);
  return (await cases.isArchived(caseId)) ? cases.frozenLinks(caseId) : cases.liveLinks(caseId);
}

/** Whether the reviewer with `badge` is a reviewer member of a case that links the recording. */
export async function isOnCaseOf(db: Db, badge: string, recordingId: string): Promise<boolean> {
  return new CaseRepository(db).isOnCaseOf(badge, recordingId);
}

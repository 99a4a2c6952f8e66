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
import type { CaseRepository, LinkedRecording } from '../db/case-repository.ts';

// Other areas still import these from here.
export { linkedToAnyCase, onCaseOf, type LinkedRecording } from '../db/case-repository.ts';

/** Every (action, recording) pair of the case, by link: live while open, as frozen once archived. */
export async function linkedRecordings(cases: CaseRepository, caseId: string): Promise<LinkedRecording[]> {
  return (await cases.isArchived(caseId)) ? cases.frozenLinks(caseId) : cases.liveLinks(caseId);
}

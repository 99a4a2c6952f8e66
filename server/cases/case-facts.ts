/**
 * What a case is, as both its signed manifest and the API show it: one shape, so the archived
 * record and the screen never name a fact differently.
 */
import type { Case } from '../db/schema.ts';

export function caseFacts(c: Case) {
  return {
    id: c.id,
    caseNo: c.case_no,
    unit: c.unit,
    title: c.title,
    emergency: c.emergency === 1,
    initiatedAt: c.initiated_at,
    approvedAt: c.approved_at,
    endedAt: c.ended_at,
    createdBy: c.created_by,
    createdAt: c.created_at,
  };
}

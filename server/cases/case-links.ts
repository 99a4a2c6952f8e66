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
import { type ExpressionBuilder, type Expression, type SqlBool, sql } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Schema } from '../db/schema.ts';

/** A recording still running overlaps every window that starts before now. */
const FAR_FUTURE = '9999-12-31T23:59:59.999Z';

/** Rows of `action_links` that link the recording in scope as `recordings`. */
function linksRecording(eb: ExpressionBuilder<Schema, 'action_links' | 'recordings'>) {
  return eb.or([
    eb('action_links.recording_id', '=', eb.ref('recordings.id')),
    eb.and([
      eb('action_links.device_id', '=', eb.ref('recordings.device_id')),
      eb('action_links.from_at', '<', sql<string>`coalesce(${eb.ref('recordings.ended_at')}, ${FAR_FUTURE})`),
      eb('action_links.to_at', '>', eb.ref('recordings.started_at')),
    ]),
  ]);
}

export interface LinkedRecording {
  actionId: string;
  linkId: string;
  recordingId: string;
}

/** What the links of an open case resolve to now (also what archiving freezes). */
export async function liveLinkedRecordings(db: Db, caseId: string): Promise<LinkedRecording[]> {
  const rows = await db
    .selectFrom('action_links')
    .innerJoin('case_actions', 'case_actions.id', 'action_links.action_id')
    .innerJoin('recordings', (join) => join.on((eb) => linksRecording(eb)))
    .select(['action_links.action_id', 'action_links.id as link_id', 'recordings.id as recording_id'])
    .where('case_actions.case_id', '=', caseId)
    .orderBy('recordings.started_at')
    .orderBy('recordings.id')
    .execute();
  return rows.map((r) => ({ actionId: r.action_id, linkId: r.link_id, recordingId: r.recording_id }));
}

/** The links an archived case was frozen with. */
export async function frozenLinkedRecordings(db: Db, caseId: string): Promise<LinkedRecording[]> {
  const rows = await db
    .selectFrom('case_archived_links')
    .innerJoin('recordings', 'recordings.id', 'case_archived_links.recording_id')
    .select(['case_archived_links.action_id', 'case_archived_links.link_id', 'case_archived_links.recording_id'])
    .where('case_archived_links.case_id', '=', caseId)
    .orderBy('recordings.started_at')
    .orderBy('recordings.id')
    .execute();
  return rows.map((r) => ({ actionId: r.action_id, linkId: r.link_id, recordingId: r.recording_id }));
}

/** Every (action, recording) pair of the case, by link: live while open, as frozen once archived. */
export async function linkedRecordings(db: Db, caseId: string): Promise<LinkedRecording[]> {
  const c = await db.selectFrom('cases').select('archived_at').where('id', '=', caseId).executeTakeFirst();
  return c?.archived_at ? frozenLinkedRecordings(db, caseId) : liveLinkedRecordings(db, caseId);
}

/**
 * Whether the recording in scope as `recordings` is linked to a case the badge is a reviewer
 * member of, as an SQL expression: usable in a list's WHERE or SELECT without fetching ids first
 * (a reviewer's cases may link more recordings than a query may carry parameters). Only reviewer
 * membership counts: it is the custodian's to give, while officers are added by whoever keeps the
 * case, and an officer's membership must not open replay.
 */
export function onCaseOf(eb: ExpressionBuilder<Schema, 'recordings'>, badge: string): Expression<SqlBool> {
  const open = eb
    .selectFrom('case_members')
    .innerJoin('cases', 'cases.id', 'case_members.case_id')
    .innerJoin('case_actions', 'case_actions.case_id', 'case_members.case_id')
    .innerJoin('action_links', 'action_links.action_id', 'case_actions.id')
    .select(sql<number>`1`.as('one'))
    .where('case_members.badge', '=', badge)
    .where('case_members.role', '=', 'reviewer')
    .where('cases.archived_at', 'is', null)
    .where((inner) => linksRecording(inner));
  const frozen = eb
    .selectFrom('case_members')
    .innerJoin('cases', 'cases.id', 'case_members.case_id')
    .innerJoin('case_archived_links', 'case_archived_links.case_id', 'case_members.case_id')
    .select(sql<number>`1`.as('one'))
    .where('case_members.badge', '=', badge)
    .where('case_members.role', '=', 'reviewer')
    .where('cases.archived_at', 'is not', null)
    .where('case_archived_links.recording_id', '=', eb.ref('recordings.id'));
  return eb.or([eb.exists(open), eb.exists(frozen)]);
}

/** Whether the reviewer with `badge` is a reviewer member of a case that links the recording. */
export async function isOnCaseOf(db: Db, badge: string, recordingId: string): Promise<boolean> {
  const row = await db
    .selectFrom('recordings')
    .select('recordings.id')
    .where('recordings.id', '=', recordingId)
    .where((eb) => onCaseOf(eb, badge))
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Whether any case links the recording in scope as `recordings` (an open case by its live links,
 * an archived one by its frozen links), as an SQL expression: retention never expires it then.
 */
export function linkedToAnyCase(eb: ExpressionBuilder<Schema, 'recordings'>): Expression<SqlBool> {
  const open = eb
    .selectFrom('action_links')
    .innerJoin('case_actions', 'case_actions.id', 'action_links.action_id')
    .innerJoin('cases', 'cases.id', 'case_actions.case_id')
    .select(sql<number>`1`.as('one'))
    .where('cases.archived_at', 'is', null)
    .where((inner) => linksRecording(inner));
  const frozen = eb.selectFrom('case_archived_links').select(sql<number>`1`.as('one')).where('case_archived_links.recording_id', '=', eb.ref('recordings.id'));
  return eb.or([eb.exists(open), eb.exists(frozen)]);
}

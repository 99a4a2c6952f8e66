/**
 * Which recordings a case's actions link: whole recordings, and every recording of a linked device
 * that overlaps the linked window (so a bodycam clip uploaded the next day joins the case by
 * itself). The one definition the case check, reviewer access, party requests and analytics share.
 */
import { type ExpressionBuilder, sql } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Schema } from '../db/schema.ts';

/** A recording still running overlaps every window that starts before now. */
const FAR_FUTURE = '9999-12-31T23:59:59.999Z';

/** Rows of `action_links` that link the recording in scope as `recordings`. */
function linksRecording(eb: ExpressionBuilder<Schema & { recordings: Schema['recordings'] }, 'action_links' | 'recordings'>) {
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

/** Every (action, recording) pair of the case, by link. */
export async function linkedRecordings(db: Db, caseId: string): Promise<LinkedRecording[]> {
  const rows = await db
    .selectFrom('action_links')
    .innerJoin('case_actions', 'case_actions.id', 'action_links.action_id')
    .innerJoin('recordings', (join) => join.on((eb) => linksRecording(eb)))
    .select(['action_links.action_id', 'action_links.id as link_id', 'recordings.id as recording_id'])
    .where('case_actions.case_id', '=', caseId)
    .orderBy('recordings.started_at')
    .execute();
  return rows.map((r) => ({ actionId: r.action_id, linkId: r.link_id, recordingId: r.recording_id }));
}

/** Whether the officer or reviewer with `badge` is a member of a case that links the recording. */
export async function isOnCaseOf(db: Db, badge: string, recordingId: string): Promise<boolean> {
  const row = await db
    .selectFrom('recordings')
    .innerJoin('action_links', (join) => join.on((eb) => linksRecording(eb)))
    .innerJoin('case_actions', 'case_actions.id', 'action_links.action_id')
    .innerJoin('case_members', 'case_members.case_id', 'case_actions.case_id')
    .select('recordings.id')
    .where('recordings.id', '=', recordingId)
    .where('case_members.badge', '=', badge)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** Ids of every recording linked to a case the badge is a member of (a reviewer's case list). */
export async function recordingIdsOnCasesOf(db: Db, badge: string): Promise<Set<string>> {
  const rows = await db
    .selectFrom('case_members')
    .innerJoin('case_actions', 'case_actions.case_id', 'case_members.case_id')
    .innerJoin('action_links', 'action_links.action_id', 'case_actions.id')
    .innerJoin('recordings', (join) => join.on((eb) => linksRecording(eb)))
    .select('recordings.id')
    .distinct()
    .where('case_members.badge', '=', badge)
    .execute();
  return new Set(rows.map((r) => r.id));
}

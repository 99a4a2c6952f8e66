import { type Expression, type ExpressionBuilder, type Selectable, type SqlBool, sql } from 'kysely';
import { Repository } from './repository.ts';
import type { ActionLink, Case, CaseAction, CaseAnnotationsTable, CaseMembersTable, CaseStagesTable, GapNotesTable, LedgerEntry, Recording, Schema, Stage, User } from './schema.ts';

export type CaseStage = Selectable<CaseStagesTable>;
export type CaseMember = Selectable<CaseMembersTable>;
export type CaseAnnotation = Selectable<CaseAnnotationsTable>;
export type GapNote = Selectable<GapNotesTable>;

/** One (action, recording) pair of a case, by the link that joins them. */
export interface LinkedRecording {
  actionId: string;
  linkId: string;
  recordingId: string;
}

/** Which cases a viewer reaches: its unit's (`unit` null: none by unit) and those it is a member of. */
export interface CaseReach {
  unit: string | null;
  caseIds: string[];
}

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
  const frozen = eb
    .selectFrom('case_archived_links')
    .select(sql<number>`1`.as('one'))
    .where('case_archived_links.recording_id', '=', eb.ref('recordings.id'));
  return eb.or([eb.exists(open), eb.exists(frozen)]);
}

/**
 * Cases with what they hold: stages, members, actions and their links, annotations, the links
 * frozen at archiving, and the reads of recordings, gaps and gap notes that the case's links reach.
 */
export class CaseRepository extends Repository {
  async find(id: string): Promise<Case | undefined> {
    return this.db.selectFrom('cases').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async findByNo(caseNo: string): Promise<Case | undefined> {
    return this.db.selectFrom('cases').selectAll().where('case_no', '=', caseNo).executeTakeFirst();
  }

  async isArchived(id: string): Promise<boolean> {
    const c = await this.db.selectFrom('cases').select('archived_at').where('id', '=', id).executeTakeFirst();
    return !!c?.archived_at;
  }

  /** The newest cases (at most `limit`), within `reach` if given. */
  async newest(limit: number, reach?: CaseReach): Promise<Case[]> {
    let q = this.db.selectFrom('cases').selectAll().orderBy('initiated_at', 'desc').limit(limit);
    if (reach) {
      const { unit, caseIds } = reach;
      q = q.where((eb) => eb.or([...(unit !== null ? [eb('unit', '=', unit)] : []), ...(caseIds.length > 0 ? [eb('id', 'in', caseIds)] : [])]));
    }
    return q.execute();
  }

  async insert(row: Case): Promise<void> {
    await this.db.insertInto('cases').values(row).execute();
  }

  /**
   * Claims the case row while it is not archived (false once it is): a transaction's edits of one
   * case, and an archiving that starts meanwhile, wait for each other (PostgreSQL's row lock;
   * SQLite's one writer).
   */
  async claimUnarchived(id: string): Promise<boolean> {
    const claimed = await this.db
      .updateTable('cases')
      .set((eb) => ({ id: eb.ref('id') }))
      .where('id', '=', id)
      .where('archived_at', 'is', null)
      .executeTakeFirst();
    return Number(claimed.numUpdatedRows) === 1;
  }

  /** Sets the emergency approval, once: false if it was set already. */
  async markApproved(id: string, at: string): Promise<boolean> {
    const set = await this.db.updateTable('cases').set({ approved_at: at }).where('id', '=', id).where('approved_at', 'is', null).executeTakeFirst();
    return Number(set.numUpdatedRows) === 1;
  }

  /** Sets the act's end, once: false if it was set already. */
  async markEnded(id: string, at: string): Promise<boolean> {
    const set = await this.db.updateTable('cases').set({ ended_at: at }).where('id', '=', id).where('ended_at', 'is', null).executeTakeFirst();
    return Number(set.numUpdatedRows) === 1;
  }

  /** Sets archived_at, once: false if the case was archived already. */
  async markArchived(id: string, at: string, by: string): Promise<boolean> {
    const set = await this.db.updateTable('cases').set({ archived_at: at, archived_by: by }).where('id', '=', id).where('archived_at', 'is', null).executeTakeFirst();
    return Number(set.numUpdatedRows) === 1;
  }

  async setManifestKey(id: string, key: string): Promise<void> {
    await this.db.updateTable('cases').set({ manifest_key: key }).where('id', '=', id).execute();
  }

  /** The case's stages, in the order they started. */
  async stages(caseId: string): Promise<CaseStage[]> {
    return this.db.selectFrom('case_stages').selectAll().where('case_id', '=', caseId).orderBy('started_at').execute();
  }

  async stage(caseId: string, stage: Stage): Promise<CaseStage | undefined> {
    return this.db.selectFrom('case_stages').selectAll().where('case_id', '=', caseId).where('stage', '=', stage).executeTakeFirst();
  }

  /** Which stages each of the cases has started. */
  async stagesStarted(caseIds: string[]): Promise<Pick<CaseStage, 'case_id' | 'stage'>[]> {
    return this.db.selectFrom('case_stages').select(['case_id', 'stage']).where('case_id', 'in', caseIds).execute();
  }

  async addStage(row: CaseStage): Promise<void> {
    await this.db.insertInto('case_stages').values(row).execute();
  }

  async endStage(caseId: string, stage: Stage, at: string): Promise<void> {
    await this.db.updateTable('case_stages').set({ ended_at: at }).where('case_id', '=', caseId).where('stage', '=', stage).execute();
  }

  /** The case's members, in the order they were added. */
  async members(caseId: string): Promise<CaseMember[]> {
    return this.db.selectFrom('case_members').selectAll().where('case_id', '=', caseId).orderBy('added_at').orderBy('badge').execute();
  }

  /** The badge's role on the case, if it is a member. */
  async memberRole(caseId: string, badge: string): Promise<CaseMember['role'] | undefined> {
    const row = await this.db.selectFrom('case_members').select('role').where('case_id', '=', caseId).where('badge', '=', badge).executeTakeFirst();
    return row?.role;
  }

  /** The cases the badge is a member of. */
  async casesOfMember(badge: string): Promise<string[]> {
    return (await this.db.selectFrom('case_members').select('case_id').where('badge', '=', badge).execute()).map((m) => m.case_id);
  }

  async addMember(row: CaseMember): Promise<void> {
    await this.db.insertInto('case_members').values(row).execute();
  }

  /** The case's actions, in time order. */
  async actions(caseId: string): Promise<CaseAction[]> {
    return this.db.selectFrom('case_actions').selectAll().where('case_id', '=', caseId).orderBy('at').orderBy('id').execute();
  }

  /** The action, if it is one of the case's. */
  async action(caseId: string, actionId: string): Promise<CaseAction | undefined> {
    return this.db.selectFrom('case_actions').selectAll().where('id', '=', actionId).where('case_id', '=', caseId).executeTakeFirst();
  }

  async addAction(row: CaseAction): Promise<void> {
    await this.db.insertInto('case_actions').values(row).execute();
  }

  /** Sets or clears (`reason` null) why the action was not recorded. */
  async setNotRecordedReason(actionId: string, reason: CaseAction['not_recorded_reason'], text: string | null): Promise<void> {
    await this.db.updateTable('case_actions').set({ not_recorded_reason: reason, not_recorded_text: text }).where('id', '=', actionId).execute();
  }

  /** The links of the actions, in the order they were made. */
  async linksOf(actionIds: string[]): Promise<ActionLink[]> {
    if (actionIds.length === 0) return [];
    return this.db.selectFrom('action_links').selectAll().where('action_id', 'in', actionIds).orderBy('linked_at').orderBy('id').execute();
  }

  async addLink(row: ActionLink): Promise<void> {
    await this.db.insertInto('action_links').values(row).execute();
  }

  /**
   * Every (action, recording) pair of the case, by link: whole recordings, and every recording of a
   * linked device that overlaps the linked window (so a bodycam clip uploaded the next day joins the
   * case by itself). The one definition the case check, reviewer access, party requests and
   * analytics share. That resolution is live only while the case is open: archiving writes what the
   * links then resolved to (`freezeLinks`, in the transaction that freezes the case), and from then
   * on those rows are the case's links, so an upload arriving after the signed manifest does not
   * join a frozen case, nor give its reviewers replay.
   */
  async linkedRecordings(caseId: string): Promise<LinkedRecording[]> {
    return (await this.isArchived(caseId)) ? this.frozenLinks(caseId) : this.liveLinks(caseId);
  }

  /** What the links of an open case resolve to now (also what archiving freezes). */
  async liveLinks(caseId: string): Promise<LinkedRecording[]> {
    const rows = await this.db
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
  async frozenLinks(caseId: string): Promise<LinkedRecording[]> {
    const rows = await this.db
      .selectFrom('case_archived_links')
      .innerJoin('recordings', 'recordings.id', 'case_archived_links.recording_id')
      .select(['case_archived_links.action_id', 'case_archived_links.link_id', 'case_archived_links.recording_id'])
      .where('case_archived_links.case_id', '=', caseId)
      .orderBy('recordings.started_at')
      .orderBy('recordings.id')
      .execute();
    return rows.map((r) => ({ actionId: r.action_id, linkId: r.link_id, recordingId: r.recording_id }));
  }

  /** Records what the links resolve to at archiving as the case's links from then on. */
  async freezeLinks(caseId: string, links: LinkedRecording[]): Promise<void> {
    if (links.length === 0) return;
    await this.db
      .insertInto('case_archived_links')
      .values(links.map((l) => ({ case_id: caseId, action_id: l.actionId, link_id: l.linkId, recording_id: l.recordingId })))
      .execute();
  }

  /** Whether the badge is a reviewer member of a case that links the recording. */
  async isOnCaseOf(badge: string, recordingId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('recordings')
      .select('recordings.id')
      .where('recordings.id', '=', recordingId)
      .where((eb) => onCaseOf(eb, badge))
      .executeTakeFirst();
    return row !== undefined;
  }

  /** The case's annotations, in the order they were made. */
  async annotations(caseId: string): Promise<CaseAnnotation[]> {
    return this.db.selectFrom('case_annotations').selectAll().where('case_id', '=', caseId).orderBy('at').orderBy('id').execute();
  }

  async annotate(row: CaseAnnotation): Promise<void> {
    await this.db.insertInto('case_annotations').values(row).execute();
  }

  /** The recordings (a case's linked ones), in the order they started. */
  async recordings(ids: string[]): Promise<Recording[]> {
    if (ids.length === 0) return [];
    return this.db.selectFrom('recordings').selectAll().where('id', 'in', ids).orderBy('started_at').orderBy('id').execute();
  }

  /** Which of the recordings are not closed yet. */
  async notClosed(ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    return (await this.db.selectFrom('recordings').select('id').where('id', 'in', ids).where('state', '!=', 'closed').execute()).map((r) => r.id);
  }

  /** The gaps of the recordings, by recording and in chain order. */
  async gaps(recordingIds: string[]): Promise<Pick<LedgerEntry, 'recording_id' | 'idx' | 'start_at'>[]> {
    return this.db
      .selectFrom('ledger_entries')
      .select(['recording_id', 'idx', 'start_at'])
      .where('recording_id', 'in', recordingIds)
      .where('kind', '=', 'gap')
      .orderBy('recording_id')
      .orderBy('idx')
      .execute();
  }

  /** Whether the recording's ledger entry `idx` is a gap. */
  async isGap(recordingId: string, idx: number): Promise<boolean> {
    const gap = await this.db.selectFrom('ledger_entries').select('idx').where('recording_id', '=', recordingId).where('idx', '=', idx).where('kind', '=', 'gap').executeTakeFirst();
    return gap !== undefined;
  }

  /** The gap notes of the recordings, by recording and gap. */
  async gapNotes(recordingIds: string[]): Promise<GapNote[]> {
    if (recordingIds.length === 0) return [];
    return this.db.selectFrom('gap_notes').selectAll().where('recording_id', 'in', recordingIds).orderBy('recording_id').orderBy('idx').execute();
  }

  async hasGapNote(recordingId: string, idx: number): Promise<boolean> {
    const noted = await this.db.selectFrom('gap_notes').select('idx').where('recording_id', '=', recordingId).where('idx', '=', idx).executeTakeFirst();
    return noted !== undefined;
  }

  async addGapNote(row: GapNote): Promise<void> {
    await this.db.insertInto('gap_notes').values(row).execute();
  }

  /** The unit of the device a link names. */
  async unitOfDevice(deviceId: string): Promise<string | undefined> {
    return (await this.db.selectFrom('devices').select('unit').where('id', '=', deviceId).executeTakeFirst())?.unit;
  }

  /** Whether one of the unit's cameras is assigned to the badge: an officer without an account. */
  async unitHasCameraOf(badge: string, unit: string): Promise<boolean> {
    return (await this.db.selectFrom('devices').select('id').where('officer_badge', '=', badge).where('unit', '=', unit).executeTakeFirst()) !== undefined;
  }

  /** The account of the badge, as far as membership asks: its role, state and unit. */
  async accountOf(badge: string): Promise<Pick<User, 'role' | 'state' | 'unit'> | undefined> {
    return this.db.selectFrom('users').select(['role', 'state', 'unit']).where('badge', '=', badge).executeTakeFirst();
  }
}

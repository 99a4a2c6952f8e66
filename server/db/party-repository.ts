import { Repository } from './repository.ts';
import type { Confidentiality, PartyRequest, PartyRequestState, Recording, RoomState, ViewingRoom } from './schema.ts';
import { violates } from './unique-violation.ts';

/** The states migration 0005's partial unique index holds to one room of a request at a time. */
export const ACTIVE_ROOM_STATES: readonly RoomState[] = ['waiting', 'open', 'paused'];
const ONE_ACTIVE_ROOM = { name: 'viewing_rooms_one_active', table: 'viewing_rooms', columns: ['request_id'] };

/** What the head decided of one recording of a request, with the label it was judged under. */
export interface ScopeDecision {
  recordingId: string;
  approved: boolean;
  redactionId: string | null;
  confidentiality: Confidentiality | null;
}

/**
 * Parties' requests, the recordings each asks for with the head's decision on them, and the
 * viewing rooms made under them; with what of other tables a request is judged and shown by.
 */
export class PartyRepository extends Repository {
  async findRequest(id: string): Promise<PartyRequest | undefined> {
    return this.requestById(id).executeTakeFirst();
  }

  /** The request a room or a party copy was made under, which is there. */
  async requestOf(id: string): Promise<PartyRequest> {
    return this.requestById(id).executeTakeFirstOrThrow();
  }

  async requests(ids: string[]): Promise<PartyRequest[]> {
    return this.db
      .selectFrom('party_requests')
      .selectAll()
      .where('id', 'in', [...new Set(ids)])
      .execute();
  }

  /** The newest 200 requests of a party, or of a unit, optionally in one state. */
  async latestRequests(of: { partyUserId: string } | { unit: string }, state?: PartyRequestState): Promise<PartyRequest[]> {
    let q = this.db.selectFrom('party_requests').selectAll().orderBy('created_at', 'desc').limit(200);
    q = 'partyUserId' in of ? q.where('party_user_id', '=', of.partyUserId) : q.where('unit', '=', of.unit);
    if (state) q = q.where('state', '=', state);
    return q.execute();
  }

  async addRequest(row: PartyRequest): Promise<void> {
    await this.db.insertInto('party_requests').values(row).execute();
  }

  /** The recordings the request asks for, not yet decided on. */
  async addAsked(requestId: string, recordingIds: string[]): Promise<void> {
    await this.db
      .insertInto('party_request_recordings')
      .values(recordingIds.map((id) => ({ request_id: requestId, recording_id: id, approved: null, redaction_id: null, confidentiality_at_decision: null })))
      .execute();
  }

  /** Writes the decision on a pending request; false when it was decided already. */
  async decidePending(id: string, decided: Partial<PartyRequest>): Promise<boolean> {
    const updated = await this.db.updateTable('party_requests').set(decided).where('id', '=', id).where('state', '=', 'pending').executeTakeFirst();
    return Number(updated.numUpdatedRows) === 1;
  }

  async decideRecording(requestId: string, s: ScopeDecision): Promise<void> {
    await this.db
      .updateTable('party_request_recordings')
      .set({ approved: s.approved ? 1 : 0, redaction_id: s.redactionId ?? null, confidentiality_at_decision: s.confidentiality })
      .where('request_id', '=', requestId)
      .where('recording_id', '=', s.recordingId)
      .execute();
  }

  /** The recordings a request asks for, with their labels now. */
  async labelsAsked(requestId: string): Promise<{ id: string; confidentiality: Confidentiality | null }[]> {
    return this.db
      .selectFrom('party_request_recordings')
      .innerJoin('recordings', 'recordings.id', 'party_request_recordings.recording_id')
      .select(['recordings.id', 'recordings.confidentiality'])
      .where('request_id', '=', requestId)
      .execute();
  }

  /** The decision on one recording of a request, with the recording's label now. */
  async scopeOf(requestId: string, recordingId: string) {
    return this.db
      .selectFrom('party_request_recordings')
      .innerJoin('recordings', 'recordings.id', 'party_request_recordings.recording_id')
      .select(['party_request_recordings.approved', 'party_request_recordings.redaction_id', 'party_request_recordings.confidentiality_at_decision', 'recordings.confidentiality'])
      .where('request_id', '=', requestId)
      .where('recording_id', '=', recordingId)
      .executeTakeFirst();
  }

  /** The recordings a request asks for as they are shown, oldest first, with the decision on each. */
  async recordingsAsked(requestId: string) {
    return this.db
      .selectFrom('party_request_recordings')
      .innerJoin('recordings', 'recordings.id', 'party_request_recordings.recording_id')
      .leftJoin('devices', 'devices.id', 'recordings.device_id')
      .select([
        'recordings.id',
        'recordings.started_at',
        'recordings.duration_ms',
        'recordings.confidentiality',
        'recordings.state',
        'devices.name as device_name',
        'party_request_recordings.approved',
        'party_request_recordings.redaction_id',
      ])
      .where('request_id', '=', requestId)
      .orderBy('recordings.started_at')
      .execute();
  }

  /** Those of the recordings that belong to the unit. */
  async recordingsOfUnit(ids: string[], unit: string): Promise<Recording[]> {
    return this.db.selectFrom('recordings').selectAll().where('id', 'in', ids).where('unit', '=', unit).execute();
  }

  async hasCase(caseId: string, unit: string): Promise<boolean> {
    const c = await this.db.selectFrom('cases').select('id').where('id', '=', caseId).where('unit', '=', unit).executeTakeFirst();
    return c !== undefined;
  }

  async redactions(ids: string[]) {
    return this.db.selectFrom('redactions').select(['id', 'recording_id', 'state']).where('id', 'in', ids).execute();
  }

  /** The ready redactions of the recordings, oldest first. */
  async readyRedactions(recordingIds: string[]) {
    return this.db.selectFrom('redactions').select(['id', 'recording_id', 'created_at']).where('recording_id', 'in', recordingIds).where('state', '=', 'ready').orderBy('created_at').execute();
  }

  /** The party copies made under a request, oldest first. */
  async copiesOf(requestId: string) {
    return this.db.selectFrom('exports').select(['id', 'recording_id', 'object_key', 'created_at']).where('request_id', '=', requestId).orderBy('created_at').execute();
  }

  async person(userId: string) {
    return this.db.selectFrom('users').select(['name', 'badge']).where('id', '=', userId).executeTakeFirst();
  }

  async findRoom(id: string): Promise<ViewingRoom | undefined> {
    return this.roomById(id).executeTakeFirst();
  }

  /** The room as it is now, which is there. */
  async roomNow(id: string): Promise<ViewingRoom> {
    return this.roomById(id).executeTakeFirstOrThrow();
  }

  /** Every room of a request, for counting its viewings. */
  async roomsOf(requestId: string): Promise<Pick<ViewingRoom, 'state' | 'opened_at'>[]> {
    return this.db.selectFrom('viewing_rooms').select(['state', 'opened_at']).where('request_id', '=', requestId).execute();
  }

  async activeRoomsOf(requestId: string): Promise<ViewingRoom[]> {
    return this.db.selectFrom('viewing_rooms').selectAll().where('request_id', '=', requestId).where('state', 'in', ACTIVE_ROOM_STATES).execute();
  }

  /** The newest 200 rooms of the unit in the states, by the requests they were made under. */
  async roomsOfUnit(unit: string, states: RoomState[]): Promise<ViewingRoom[]> {
    return this.db
      .selectFrom('viewing_rooms')
      .innerJoin('party_requests', 'party_requests.id', 'viewing_rooms.request_id')
      .selectAll('viewing_rooms')
      .where('party_requests.unit', '=', unit)
      .where('viewing_rooms.state', 'in', states)
      .orderBy('viewing_rooms.created_at', 'desc')
      .limit(200)
      .execute();
  }

  /** The requests (by id, once per room) with an active room whose window closed by `at`. */
  async requestsWithRoomsDue(at: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('viewing_rooms')
      .innerJoin('party_requests', 'party_requests.id', 'viewing_rooms.request_id')
      .select('viewing_rooms.request_id')
      .where('viewing_rooms.state', 'in', ACTIVE_ROOM_STATES)
      .where('party_requests.window_until', '<=', at)
      .execute();
    return rows.map((r) => r.request_id);
  }

  /** False when the request has an active room already: two made at once, the database keeps the first. */
  async addRoom(room: ViewingRoom): Promise<boolean> {
    try {
      await this.db.insertInto('viewing_rooms').values(room).execute();
      return true;
    } catch (e) {
      if (violates(e, ONE_ACTIVE_ROOM)) return false;
      throw e;
    }
  }

  /** Changes a room still in state `from`; false when another change came first. */
  async changeRoom(id: string, from: RoomState, set: Partial<ViewingRoom>): Promise<boolean> {
    const updated = await this.db.updateTable('viewing_rooms').set(set).where('id', '=', id).where('state', '=', from).executeTakeFirst();
    return Number(updated.numUpdatedRows) === 1;
  }

  private requestById(id: string) {
    return this.db.selectFrom('party_requests').selectAll().where('id', '=', id);
  }

  private roomById(id: string) {
    return this.db.selectFrom('viewing_rooms').selectAll().where('id', '=', id);
  }
}

import { sql } from 'kysely';
import { onCaseOf } from './case-repository.ts';
import { RecordingNotFound } from '../errors.ts';
import type { JobPayload } from '../queue/job-kinds.ts';
import { JobRepository } from './job-repository.ts';
import { Repository } from './repository.ts';
import type { Confidentiality, Device, EntryKind, GapCause, JobKind, LedgerEntry, Recording, SpoolPart } from './schema.ts';

/** What sealing an entry moves forward on its recording. */
export type ChainHead = Pick<Recording, 'head_link' | 'entry_count' | 'segment_count' | 'gap_count' | 'duration_ms'>;

/** A recording as a viewer's list shows it: its device's name, whether it is shared with the viewer, and whether it is on their case. */
export type ListedRecording = Recording & { device_name: string | null; shared_with: string | null; on_case: number };

/** Recordings with what they are made of: ledger entries (segments, gaps, notices) and spool parts. */
export class RecordingRepository extends Repository {
  async find(id: string): Promise<Recording | undefined> {
    return this.db.selectFrom('recordings').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** The recording, or RecordingNotFound naming `subject` (what the caller was asked for). */
  async get(id: string, subject: string = id): Promise<Recording> {
    const rec = await this.find(id);
    if (!rec) throw new RecordingNotFound(subject);
    return rec;
  }

  /** Every ledger entry of a recording, in chain order. */
  async entries(recordingId: string): Promise<LedgerEntry[]> {
    return this.db.selectFrom('ledger_entries').selectAll().where('recording_id', '=', recordingId).orderBy('idx').execute();
  }

  /** One ledger entry of a recording (a segment's products are made from it). */
  async entry(recordingId: string, idx: number): Promise<LedgerEntry | undefined> {
    return this.db.selectFrom('ledger_entries').selectAll().where('recording_id', '=', recordingId).where('idx', '=', idx).executeTakeFirst();
  }

  /** The recording's segments (no gaps or notices), in chain order. */
  async segments(recordingId: string): Promise<LedgerEntry[]> {
    return this.db.selectFrom('ledger_entries').selectAll().where('recording_id', '=', recordingId).where('kind', '=', 'segment').orderBy('idx').execute();
  }

  /** Every recording, oldest first. */
  async all(): Promise<Recording[]> {
    return this.db.selectFrom('recordings').selectAll().orderBy('started_at').execute();
  }

  /**
   * At most 500 recordings, newest first, with their device names and whether each is shared
   * with the viewer: a reviewer's shared or case-linked ones, anyone else's of their unit.
   */
  async listedFor(viewer: { id: string; role: string; badge: string; unit: string }, now: string): Promise<ListedRecording[]> {
    const q = this.db
      .selectFrom('recordings')
      .leftJoin('devices', 'devices.id', 'recordings.device_id')
      .leftJoin('recording_shares', (j) =>
        j
          .onRef('recording_shares.recording_id', '=', 'recordings.id')
          .on('recording_shares.user_id', '=', viewer.id)
          .on((eb) => eb.or([eb('recording_shares.expires_at', 'is', null), eb('recording_shares.expires_at', '>', now)])),
      )
      .selectAll('recordings')
      .select(['devices.name as device_name', 'recording_shares.user_id as shared_with'])
      .orderBy('recordings.started_at', 'desc')
      .limit(500);
    // A reviewer's case links stay in the database as a subquery: fetched as ids they could
    // outrun the parameters one query may carry.
    return (
      viewer.role === 'reviewer'
        ? q
            .select((eb) => sql<number>`case when ${onCaseOf(eb, viewer.badge)} then 1 else 0 end`.as('on_case'))
            .where((eb) => eb.or([eb('recording_shares.user_id', '=', viewer.id), onCaseOf(eb, viewer.badge)]))
        : q.select(sql<number>`0`.as('on_case')).where('recordings.unit', '=', viewer.unit)
    ).execute();
  }

  /** The device's newest recording, whatever its state. */
  async newestOf(deviceId: string): Promise<Recording | undefined> {
    return this.db.selectFrom('recordings').selectAll().where('device_id', '=', deviceId).orderBy('started_at', 'desc').limit(1).executeTakeFirst();
  }

  /** The device's newest recording not closed yet. */
  async openRecordingOf(deviceId: string): Promise<Recording | undefined> {
    return this.db.selectFrom('recordings').selectAll().where('device_id', '=', deviceId).where('state', '!=', 'closed').orderBy('started_at', 'desc').limit(1).executeTakeFirst();
  }

  /**
   * The device's newest open live chain: not an upload, and not a recovery recording a node cut
   * off from the database seals what it still had into (that one is never continued by another).
   */
  async openLiveChainOf(deviceId: string): Promise<Recording | undefined> {
    return this.db
      .selectFrom('recordings')
      .selectAll()
      .where('device_id', '=', deviceId)
      .where('state', '!=', 'closed')
      .where('origin', '=', 'live')
      .where('recovers_recording_id', 'is', null)
      .orderBy('started_at', 'desc')
      .limit(1)
      .executeTakeFirst();
  }

  /** Live recordings a restart left open, oldest first (uploads recover in the offline ingest). */
  async openLiveRecordings(): Promise<Recording[]> {
    return this.db.selectFrom('recordings').selectAll().where('state', '!=', 'closed').where('origin', '=', 'live').orderBy('started_at').execute();
  }

  /** Recovery recordings made of the media a dead node spooled for this one (server/ingest/spool-recovery.ts). */
  async recoveriesOf(recordingId: string): Promise<Array<Pick<Recording, 'id' | 'recovers_gap_idx'>>> {
    return this.db.selectFrom('recordings').select(['id', 'recovers_gap_idx']).where('recovers_recording_id', '=', recordingId).orderBy('started_at').execute();
  }

  /** The recording's gaps of one cause, in chain order. */
  async gapsOf(recordingId: string, cause: GapCause): Promise<LedgerEntry[]> {
    return this.db.selectFrom('ledger_entries').selectAll().where('recording_id', '=', recordingId).where('kind', '=', 'gap').where('cause', '=', cause).orderBy('idx').execute();
  }

  /**
   * The node recording it from now on (one that took the device over, or restarted and recovered
   * it), if `from` still records it; false when another node moved it first.
   */
  async moveToNode(id: string, from: string | null, to: string): Promise<boolean> {
    const moved = await this.db
      .updateTable('recordings')
      .set({ node_id: to })
      .where('id', '=', id)
      .where((eb) => (from === null ? eb('node_id', 'is', null) : eb('node_id', '=', from)))
      .executeTakeFirst();
    return Number(moved.numUpdatedRows) === 1;
  }

  /** Live recordings left open by nodes whose last heartbeat is older than `silentSince` (dead, or stopped and not back), with that heartbeat. */
  async openOfSilentNodes(silentSince: string): Promise<Array<Recording & { heartbeat_at: string }>> {
    return this.db
      .selectFrom('recordings')
      .innerJoin('nodes', 'nodes.id', 'recordings.node_id')
      .selectAll('recordings')
      .select('nodes.heartbeat_at')
      .where('recordings.state', '!=', 'closed')
      .where('recordings.origin', '=', 'live')
      .where('nodes.heartbeat_at', '<', silentSince)
      .orderBy('recordings.started_at')
      .execute();
  }

  /** The recording an export was made of. */
  async exportedRecordingId(exportId: string): Promise<string | undefined> {
    return (await this.db.selectFrom('exports').select('recording_id').where('id', '=', exportId).executeTakeFirst())?.recording_id;
  }

  async deviceName(deviceId: string): Promise<string | undefined> {
    return (await this.db.selectFrom('devices').select('name').where('id', '=', deviceId).executeTakeFirst())?.name;
  }

  async add(recording: Recording): Promise<void> {
    await this.db.insertInto('recordings').values(recording).execute();
  }

  /** The entry sealed from a spool file (sources are unique across recordings). */
  async sealedFrom(source: string): Promise<LedgerEntry | undefined> {
    return this.db.selectFrom('ledger_entries').selectAll().where('source', '=', source).executeTakeFirst();
  }

  /** The recording's newest entry (of `kind`, if given). */
  async lastEntry(recordingId: string, kind?: EntryKind): Promise<Pick<LedgerEntry, 'start_at' | 'duration_ms'> | undefined> {
    return this.db
      .selectFrom('ledger_entries')
      .select(['start_at', 'duration_ms'])
      .where('recording_id', '=', recordingId)
      .$if(kind !== undefined, (q) => q.where('kind', '=', kind!))
      .orderBy('idx', 'desc')
      .limit(1)
      .executeTakeFirst();
  }

  /** Which of `objectKeys` the recording's ledger names. */
  async sealedObjects(recordingId: string, objectKeys: string[]): Promise<Set<string | null>> {
    const rows = await this.db.selectFrom('ledger_entries').select('object_key').where('recording_id', '=', recordingId).where('object_key', 'in', objectKeys).execute();
    return new Set(rows.map((e) => e.object_key));
  }

  /**
   * Moves the recording's head from `from` entries on and appends the entry; false, writing
   * nothing, when the head had moved meanwhile or the recording is no longer node `node`'s (when
   * given). The head first: the entry's index is free once it moved.
   */
  async append(entry: LedgerEntry, from: number, node: string | undefined, head: ChainHead): Promise<boolean> {
    const updated = await this.db
      .updateTable('recordings')
      .set(head)
      .where('id', '=', entry.recording_id)
      .where('entry_count', '=', from)
      .$if(node !== undefined, (q) => q.where((eb) => eb.or([eb('node_id', 'is', null), eb('node_id', '=', node!)])))
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) return false;
    await this.db.insertInto('ledger_entries').values(entry).execute();
    return true;
  }

  /** Asks for a job about the recording, in this repository's transaction when it has one. */
  async askForJob<K extends JobKind>(kind: K, payload: JobPayload<K>, recordingId: string): Promise<void> {
    await this.beside(JobRepository).enqueue(kind, payload, recordingId);
  }

  async markCheckpointed(id: string, entryCount: number): Promise<void> {
    await this.db.updateTable('recordings').set({ checkpointed_count: entryCount }).where('id', '=', id).execute();
  }

  /** Closes the recording; false when it was closed already. */
  async markClosed(id: string, endedAt: string, manifestKey: string): Promise<boolean> {
    const updated = await this.db
      .updateTable('recordings')
      .set({ ended_at: endedAt, state: 'closed', pending_gap_cause: null, interrupted_at: null, manifest_key: manifestKey })
      .where('id', '=', id)
      .where('state', '!=', 'closed')
      .executeTakeFirst();
    return Number(updated.numUpdatedRows) === 1;
  }

  /** The device is publishing again. */
  async markLive(id: string): Promise<void> {
    await this.db.updateTable('recordings').set({ state: 'live', interrupted_at: null }).where('id', '=', id).execute();
  }

  /**
   * The device went away at `at`; `cause` is what the gap will say if it comes back in time. Only
   * while `nodeId` records it: one another node has taken over is recording there.
   */
  async markInterrupted(id: string, at: string, cause: GapCause, nodeId: string): Promise<void> {
    await this.db
      .updateTable('recordings')
      .set({ state: 'interrupted', interrupted_at: at, pending_gap_cause: cause })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('node_id', 'is', null), eb('node_id', '=', nodeId)]))
      .execute();
  }

  /** Sets the label only if it is still `from`; false when it changed meanwhile. */
  async relabel(id: string, from: Confidentiality | null, to: Confidentiality | null): Promise<boolean> {
    const set = await this.db
      .updateTable('recordings')
      .set({ confidentiality: to })
      .where('id', '=', id)
      .where((eb) => (from === null ? eb('confidentiality', 'is', null) : eb('confidentiality', '=', from)))
      .executeTakeFirst();
    return Number(set.numUpdatedRows) === 1;
  }

  /** When the recording's expiry (issue 17) completed: null while under way, undefined when there is none. */
  async expiryCompletedAt(recordingId: string): Promise<string | null | undefined> {
    return (await this.db.selectFrom('recording_expiries').select('completed_at').where('recording_id', '=', recordingId).executeTakeFirst())?.completed_at;
  }

  /** What recording from a device learns about it: when it was last seen, and why it cannot be recorded now. */
  async recordDeviceStatus(deviceId: string, status: Partial<Pick<Device, 'last_seen_at' | 'error' | 'error_at'>>): Promise<void> {
    await this.db.updateTable('devices').set(status).where('id', '=', deviceId).execute();
  }

  async addSpoolPart(part: SpoolPart): Promise<void> {
    await this.db.insertInto('spool_parts').values(part).execute();
  }

  /** Spool parts a segmenter was still writing when the server stopped, oldest first. */
  async openSpoolParts(): Promise<SpoolPart[]> {
    return this.db.selectFrom('spool_parts').selectAll().where('state', '=', 'open').orderBy('wall_start').execute();
  }

  /** The recording's highest spool part number; 0 when it has none. */
  async lastSpoolPartNo(recordingId: string): Promise<number> {
    const last = await this.db
      .selectFrom('spool_parts')
      .select((eb) => eb.fn.max('part_no').as('n'))
      .where('recording_id', '=', recordingId)
      .executeTakeFirst();
    return Number(last?.n ?? 0);
  }

  async updateSpoolPart(recordingId: string, partNo: number, set: Partial<Pick<SpoolPart, 'ffmpeg_pid' | 'state' | 'sealing_into'>>): Promise<void> {
    await this.db.updateTable('spool_parts').set(set).where('recording_id', '=', recordingId).where('part_no', '=', partNo).execute();
  }
}

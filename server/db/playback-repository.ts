import { sql } from 'kysely';
import { Repository } from './repository.ts';
import type { Derivative, DerivativeKind, Device, LedgerEntry, PlaybackSession, Recording, RedactedVariant, User } from './schema.ts';

/** Segments and openings (segments first of their recording or after a gap in it) of a device's stream. */
export interface StreamCounts {
  segments: number;
  openings: number;
}

const NONE: StreamCounts = { segments: 0, openings: 0 };

/** A stored object standing for a segment: a derivative, or a redacted segment. */
/** A playback session as its requests are admitted (PlaybackRepository.admission). */
export interface Admission {
  session: PlaybackSession;
  /** undefined: the account is gone */
  user: Pick<User, 'id' | 'name' | 'badge' | 'role' | 'unit' | 'clearances' | 'state'> | undefined;
  signedIn: boolean;
  /** a live session's device's unit; undefined for a replay, or a device that is gone */
  deviceUnit: string | undefined;
}

export type StoredVariant = Pick<Derivative, 'object_key' | 'sha256' | 'source_sha256'>;

/**
 * What playing recordings reads and writes: playback sessions, shares, and the ledger and
 * derivatives seen as a viewer's stream.
 */
export class PlaybackRepository extends Repository {
  /**
   * A session with what admitting its next request reads, in one round trip: its viewer, whether
   * the viewer is still signed in (a session neither revoked nor expired by `now`), and a live
   * session's device unit. A viewer at the live edge is admitted about once a second, so this is
   * per request.
   */
  async admission(id: string, now: string): Promise<Admission | undefined> {
    const row = await this.db
      .selectFrom('playback_sessions as s')
      .leftJoin('users as u', 'u.id', 's.user_id')
      .leftJoin('devices as d', 'd.id', 's.device_id')
      .selectAll('s')
      .select([
        'u.id as viewer_id',
        'u.name as viewer_name',
        'u.badge as viewer_badge',
        'u.role as viewer_role',
        'u.unit as viewer_unit',
        'u.clearances as viewer_clearances',
        'u.state as viewer_state',
      ])
      .select('d.unit as device_unit')
      .select((eb) =>
        eb.exists(eb.selectFrom('auth_sessions as a').select('a.id').whereRef('a.user_id', '=', 's.user_id').where('a.revoked_at', 'is', null).where('a.refresh_expires_at', '>', now)).as('signed_in'),
      )
      .where('s.id', '=', id)
      .executeTakeFirst();
    if (!row) return undefined;
    const { viewer_id, viewer_name, viewer_badge, viewer_role, viewer_unit, viewer_clearances, viewer_state, device_unit, signed_in, ...session } = row;
    const user =
      viewer_id === null ? undefined : { id: viewer_id, name: viewer_name!, badge: viewer_badge!, role: viewer_role!, unit: viewer_unit!, clearances: viewer_clearances!, state: viewer_state! };
    // SQLite answers EXISTS with 1 or 0, PostgreSQL with a boolean.
    return { session, user, signedIn: Boolean(signed_in), deviceUnit: device_unit ?? undefined };
  }

  async addSession(session: PlaybackSession): Promise<void> {
    await this.db.insertInto('playback_sessions').values(session).execute();
  }

  /** Whether the recording is shared with the user and the share has not ended by `now`. */
  async isSharedWith(recordingId: string, userId: string, now: string): Promise<boolean> {
    const share = await this.db
      .selectFrom('recording_shares')
      .select('user_id')
      .where('recording_id', '=', recordingId)
      .where('user_id', '=', userId)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .executeTakeFirst();
    return !!share;
  }

  /** Shares the recording with the user; sharing again sets the new period. */
  async share(recordingId: string, userId: string, row: { shared_by: string; shared_at: string; expires_at: string | null }): Promise<void> {
    await this.db
      .insertInto('recording_shares')
      .values({ recording_id: recordingId, user_id: userId, ...row })
      .onConflict((oc) => oc.columns(['recording_id', 'user_id']).doUpdateSet(row))
      .execute();
  }

  /** Whom a share names: by user id, or else by badge. */
  async shareTarget(userId: string | undefined, badge: string | undefined): Promise<Pick<User, 'id' | 'badge' | 'role' | 'state'> | undefined> {
    const query = this.db.selectFrom('users').select(['id', 'badge', 'role', 'state']);
    return (userId !== undefined ? query.where('id', '=', userId) : query.where('badge', '=', badge!)).executeTakeFirst();
  }

  async deviceUnit(deviceId: string): Promise<string | undefined> {
    return (await this.db.selectFrom('devices').select('unit').where('id', '=', deviceId).executeTakeFirst())?.unit;
  }

  /** The unit's active devices, by name: the live wall. */
  async activeDevicesOf(unit: string): Promise<Device[]> {
    return this.db.selectFrom('devices').selectAll().where('unit', '=', unit).where('state', '=', 'active').orderBy('name').execute();
  }

  /** An entry with its recording's device and flags. */
  async sealedEntry(recordingId: string, idx: number) {
    return this.db
      .selectFrom('ledger_entries')
      .innerJoin('recordings', 'recordings.id', 'ledger_entries.recording_id')
      .select(['recordings.device_id', 'recordings.flags', 'ledger_entries.object_key', 'ledger_entries.sha256', 'ledger_entries.kind'])
      .where('ledger_entries.recording_id', '=', recordingId)
      .where('ledger_entries.idx', '=', idx)
      .executeTakeFirst();
  }

  /** Segments and gaps (notices are not media), in ledger order, from entry `fromIdx` on if given. */
  async mediaEntries(recordingId: string, fromIdx?: number): Promise<Pick<LedgerEntry, 'idx' | 'kind' | 'start_at' | 'duration_ms'>[]> {
    return this.db
      .selectFrom('ledger_entries')
      .select(['idx', 'kind', 'start_at', 'duration_ms'])
      .where('recording_id', '=', recordingId)
      .where('kind', '!=', 'notice')
      .$if(fromIdx !== undefined, (q) => q.where('idx', '>=', fromIdx!))
      .orderBy('idx')
      .execute();
  }

  /** Sizes and durations of the recording's entries `idxs`. */
  async entrySizes(recordingId: string, idxs: number[]): Promise<Pick<LedgerEntry, 'size' | 'duration_ms'>[]> {
    return this.db.selectFrom('ledger_entries').select(['size', 'duration_ms']).where('recording_id', '=', recordingId).where('idx', 'in', idxs).execute();
  }

  async redactedSegment(redactionId: string, idx: number, variant: RedactedVariant): Promise<StoredVariant | undefined> {
    return this.db
      .selectFrom('redacted_segments')
      .select(['object_key', 'sha256', 'source_sha256'])
      .where('redaction_id', '=', redactionId)
      .where('idx', '=', idx)
      .where('variant', '=', variant)
      .executeTakeFirst();
  }

  /** The recording's segments from `fromIdx` on that have a 360p rendition. */
  async renditionsFrom(recordingId: string, fromIdx: number): Promise<number[]> {
    const rows = await this.db.selectFrom('derivatives').select('idx').where('recording_id', '=', recordingId).where('kind', '=', 'r360').where('idx', '>=', fromIdx).execute();
    return rows.map((d) => d.idx);
  }

  /** Sizes and durations of the 360p renditions of the recording's segments `idxs`. */
  async renditionSizes(recordingId: string, idxs: number[]): Promise<Pick<Derivative, 'size' | 'duration_ms'>[]> {
    return this.db.selectFrom('derivatives').select(['size', 'duration_ms']).where('recording_id', '=', recordingId).where('kind', '=', 'r360').where('idx', 'in', idxs).execute();
  }

  /** One index per marked variant (of `kinds`) the recording has: a segment with both is listed twice. */
  async markedIdxs(recordingId: string, kinds: readonly DerivativeKind[]): Promise<number[]> {
    const rows = await this.db.selectFrom('derivatives').select('idx').where('recording_id', '=', recordingId).where('kind', 'in', kinds).execute();
    return rows.map((r) => r.idx);
  }

  /** As markedIdxs, for a redaction's segments. */
  async redactedMarkedIdxs(redactionId: string, variants: readonly RedactedVariant[]): Promise<number[]> {
    const rows = await this.db.selectFrom('redacted_segments').select('idx').where('redaction_id', '=', redactionId).where('variant', 'in', variants).execute();
    return rows.map((r) => r.idx);
  }

  /** The device's two newest live recordings, newest first. */
  async newestLiveRecordings(deviceId: string): Promise<Recording[]> {
    return this.db.selectFrom('recordings').selectAll().where('device_id', '=', deviceId).where('origin', '=', 'live').orderBy('started_at', 'desc').orderBy('id', 'desc').limit(2).execute();
  }

  /** The index of the recording's `nth` segment counted from its newest (1: the newest). */
  async nthNewestSegment(recordingId: string, nth: number): Promise<number | undefined> {
    return (
      await this.db
        .selectFrom('ledger_entries')
        .select('idx')
        .where('recording_id', '=', recordingId)
        .where('kind', '=', 'segment')
        .orderBy('idx', 'desc')
        .offset(nth - 1)
        .limit(1)
        .executeTakeFirst()
    )?.idx;
  }

  /** The recording's first segment at or after entry `fromIdx`. */
  async firstSegmentFrom(recordingId: string, fromIdx: number): Promise<number | undefined> {
    return (
      await this.db
        .selectFrom('ledger_entries')
        .select('idx')
        .where('recording_id', '=', recordingId)
        .where('kind', '=', 'segment')
        .where('idx', '>=', fromIdx)
        .orderBy('idx')
        .limit(1)
        .executeTakeFirst()
    )?.idx;
  }

  /** The stream counts of the recording's entries up to and including `idx`. */
  async streamCountsUpTo(recordingId: string, idx: number): Promise<StreamCounts> {
    return this.streamCounts(sql`le.recording_id = ${recordingId} and le.idx <= ${idx}`);
  }

  /** The stream counts of the device's live recordings before `r`, and whether one of them is still open. */
  async streamCountsBefore(r: Recording): Promise<{ counts: StreamCounts; anyOpen: boolean }> {
    const older = sql`r.device_id = ${r.device_id} and r.origin = 'live' and (r.started_at < ${r.started_at} or (r.started_at = ${r.started_at} and r.id < ${r.id}))`;
    const counts = await this.streamCounts(older);
    const open = await sql<{ n: number }>`select count(*) as n from recordings r where ${older} and r.state <> 'closed'`.execute(this.db);
    return { counts, anyOpen: Number(open.rows[0]?.n ?? 0) !== 0 };
  }

  /** Segments and openings among the entries `where` selects (a whole prefix of each recording). */
  private async streamCounts(where: ReturnType<typeof sql>): Promise<StreamCounts> {
    const { rows } = await sql<{ segments: number | string | null; openings: number | string | null }>`
      select sum(case when kind = 'segment' then 1 else 0 end) as segments,
             sum(case when kind = 'segment' and (prev = 'gap' or nth = 1) then 1 else 0 end) as openings
      from (
        select le.kind,
               lag(le.kind) over (partition by le.recording_id order by le.idx) as prev,
               row_number() over (partition by le.recording_id, le.kind order by le.idx) as nth
        from ledger_entries le join recordings r on r.id = le.recording_id
        where ${where} and le.kind <> 'notice'
      ) t`.execute(this.db);
    const row = rows[0];
    return row ? { segments: Number(row.segments ?? 0), openings: Number(row.openings ?? 0) } : NONE;
  }
}

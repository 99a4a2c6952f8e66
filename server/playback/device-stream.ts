/**
 * A device's live feed as one stream for HLS: its live recordings one after another (oldest
 * first), each recording's segments in ledger order. A live session's playlist is a window on the
 * tail of that stream, numbered by its place in the whole stream, so that one playlist URL never
 * goes backwards (RFC 8216 §6.2.1) — not when the window slides, nor across gaps, roll-overs, or a
 * new recording of the device.
 *
 * A segment opens a discontinuity when a gap lies before it in its recording, or when it is the
 * first of a recording other than the stream's first (a new recording restarts the encoder's
 * clock; a roll-over is marked too, which costs players nothing).
 */
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Recording } from '../db/schema.ts';
import type { PlaylistEntry } from './playlist.ts';
import { TtlCache } from './ttl-cache.ts';

export interface StreamWindow {
  recording: Recording | undefined;
  /** the window's entries from its first segment on, in ledger order */
  entries: PlaylistEntry[];
  /** the stream's segments before the window's first */
  mediaSequence: number;
  /** the stream's discontinuities up to and including the window's first segment */
  discontinuitySequence: number;
}

interface Counts {
  segments: number;
  /** segments that are first of their recording or follow a gap in it */
  openings: number;
}

const NONE: Counts = { segments: 0, openings: 0 };

export class DeviceStreams {
  /** recording id → counts of the device's stream before it, once every earlier recording is closed */
  private readonly before = new TtlCache<string, Counts>(Infinity, 100_000);

  constructor(private readonly db: Db) {}

  /** The last `size` segments of the device's stream, from its newest recording that has any. */
  async window(deviceId: string, size: number): Promise<StreamWindow> {
    const newest = await this.db
      .selectFrom('recordings').selectAll().where('device_id', '=', deviceId).where('origin', '=', 'live')
      .orderBy('started_at', 'desc').orderBy('id', 'desc').limit(2).execute();
    // A recording that has sealed nothing yet does not empty the window the viewer already has.
    const recording = newest.find((r) => r.segment_count > 0) ?? newest[0];
    if (!recording) return { recording, entries: [], mediaSequence: 0, discontinuitySequence: 0 };
    const oldest = await this.db
      .selectFrom('ledger_entries').select('idx').where('recording_id', '=', recording.id).where('kind', '=', 'segment')
      .orderBy('idx', 'desc').offset(size - 1).limit(1).executeTakeFirst();
    const firstSegment = await this.db
      .selectFrom('ledger_entries').select('idx').where('recording_id', '=', recording.id).where('kind', '=', 'segment')
      .where('idx', '>=', oldest?.idx ?? 0).orderBy('idx').limit(1).executeTakeFirst();
    if (!firstSegment) return { recording, entries: [], mediaSequence: 0, discontinuitySequence: 0 };
    const rows = await this.db
      .selectFrom('ledger_entries').select(['idx', 'kind', 'start_at', 'duration_ms'])
      .where('recording_id', '=', recording.id).where('kind', '!=', 'notice').where('idx', '>=', firstSegment.idx).orderBy('idx').execute();
    const earlier = await this.countsBefore(recording);
    const upToFirst = await this.counts(sql`le.recording_id = ${recording.id} and le.idx <= ${firstSegment.idx}`);
    return {
      recording,
      entries: rows.map((e) => ({ idx: e.idx, kind: e.kind as 'segment' | 'gap', startAt: e.start_at, durationMs: e.duration_ms })),
      mediaSequence: earlier.segments + upToFirst.segments - 1,
      // The stream's very first segment opens nothing.
      discontinuitySequence: earlier.openings + upToFirst.openings - 1,
    };
  }

  private async countsBefore(r: Recording): Promise<Counts> {
    const hit = this.before.get(r.id);
    if (hit) return hit;
    const older = sql`r.device_id = ${r.device_id} and r.origin = 'live' and (r.started_at < ${r.started_at} or (r.started_at = ${r.started_at} and r.id < ${r.id}))`;
    const counts = await this.counts(older);
    // An earlier recording still open may seal more (a roll-over's last part): count again next time.
    const open = await sql<{ n: number }>`select count(*) as n from recordings r where ${older} and r.state <> 'closed'`.execute(this.db);
    if (Number(open.rows[0]?.n ?? 0) === 0) this.before.set(r.id, counts);
    return counts;
  }

  /** Segments and openings among the entries `where` selects (a whole prefix of each recording). */
  private async counts(where: ReturnType<typeof sql>): Promise<Counts> {
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

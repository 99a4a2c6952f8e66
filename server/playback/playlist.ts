/**
 * HLS playlists rendered from the ledger — never from ffmpeg's files — so a viewer sees exactly
 * what was sealed: every gap as a discontinuity with the wall-clock time of what follows it.
 * Pure: the caller numbers the window (device-stream.ts for live) and makes each segment's
 * signed URL.
 */
export interface PlaylistEntry {
  idx: number;
  kind: 'segment' | 'gap';
  startAt: string;
  durationMs: number;
}

export interface PlaylistSegment {
  idx: number;
  startAt: string;
  durationMs: number;
  /** a gap lies between this segment and the one before it in the playlist */
  discontinuity: boolean;
}

export interface MediaPlaylistInput {
  targetSeconds: number;
  /** the first segment's media sequence number */
  mediaSequence: number;
  /** the first segment's discontinuity sequence number */
  discontinuitySequence: number;
  segments: PlaylistSegment[];
  /** live: a sliding window; event: a replay that was still growing when first served; vod: complete */
  type: 'live' | 'event' | 'vod';
  /** no segment will be added: EXT-X-ENDLIST */
  ended: boolean;
  segmentUrl: (idx: number) => string;
}

export interface Variant {
  url: string;
  /** peak bits per second of its segments */
  bandwidth: number;
  name: string;
}

export const LIVE_WINDOW_SEGMENTS = 6;

/**
 * Ledger entries (from a segment on) as playlist segments. A gap ahead of the first segment is
 * not tagged: the caller counts it in the discontinuity sequence.
 */
export function segmentsOf(entries: PlaylistEntry[]): PlaylistSegment[] {
  const out: PlaylistSegment[] = [];
  let afterGap = false;
  for (const e of entries) {
    if (e.kind === 'gap') {
      afterGap = out.length > 0;
      continue;
    }
    out.push({ idx: e.idx, startAt: e.startAt, durationMs: e.durationMs, discontinuity: afterGap });
    afterGap = false;
  }
  return out;
}

/**
 * The target duration: at least `floorSeconds`, and every EXTINF rounded to the nearest second
 * fits (RFC 8216 §4.3.3.1). A live session passes what it has served before as the floor, so
 * the value never changes under a player (§6.2.1 forbids it).
 */
export function targetSeconds(floorSeconds: number, segments: PlaylistSegment[]): number {
  return Math.max(1, Math.ceil(floorSeconds), ...segments.map((s) => Math.round(s.durationMs / 1000)));
}

export function renderMediaPlaylist(p: MediaPlaylistInput): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:6', `#EXT-X-TARGETDURATION:${p.targetSeconds}`, `#EXT-X-MEDIA-SEQUENCE:${p.mediaSequence}`];
  if (p.discontinuitySequence > 0) lines.push(`#EXT-X-DISCONTINUITY-SEQUENCE:${p.discontinuitySequence}`);
  if (p.type !== 'live') lines.push(`#EXT-X-PLAYLIST-TYPE:${p.type.toUpperCase()}`);
  p.segments.forEach((s, i) => {
    if (s.discontinuity) lines.push('#EXT-X-DISCONTINUITY');
    if (i === 0 || s.discontinuity) lines.push(`#EXT-X-PROGRAM-DATE-TIME:${s.startAt}`);
    lines.push(`#EXTINF:${(s.durationMs / 1000).toFixed(3)},`, p.segmentUrl(s.idx));
  });
  if (p.ended) lines.push('#EXT-X-ENDLIST');
  return lines.join('\n') + '\n';
}

/** A master playlist: the same stream at several qualities, for the player to choose from. */
export function renderMasterPlaylist(variants: Variant[]): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:6'];
  for (const v of variants) lines.push(`#EXT-X-STREAM-INF:BANDWIDTH=${Math.max(1, Math.round(v.bandwidth))},NAME="${v.name}"`, v.url);
  return lines.join('\n') + '\n';
}

/**
 * HLS playlists rendered from the ledger — never from ffmpeg's files — so a viewer sees exactly
 * what was sealed: every gap as a discontinuity with the wall-clock time of what follows it.
 * Pure: the caller supplies entries and a function that makes each segment's signed URL.
 */
export interface PlaylistEntry {
  idx: number;
  kind: 'segment' | 'gap';
  startAt: string;
  durationMs: number;
}

export interface PlaylistInput {
  /** entries in idx order; for live, the tail of the recording */
  entries: PlaylistEntry[];
  /** segments of the recording before `entries[0]` (the window's media sequence) */
  segmentsBefore: number;
  /** gaps of the recording before `entries[0]` (the window's discontinuity sequence) */
  gapsBefore: number;
  /** no more entries will come */
  ended: boolean;
  kind: 'live' | 'replay';
  segmentUrl: (idx: number) => string;
}

export const LIVE_WINDOW_SEGMENTS = 6;

export function renderPlaylist(p: PlaylistInput): string {
  const segments = p.entries.filter((e) => e.kind === 'segment');
  const target = Math.max(1, ...segments.map((s) => Math.ceil(s.durationMs / 1000)));
  const lines = ['#EXTM3U', '#EXT-X-VERSION:6', `#EXT-X-TARGETDURATION:${target}`, `#EXT-X-MEDIA-SEQUENCE:${p.segmentsBefore}`];
  // Gaps ahead of the window's first segment were discontinuities before it: they count, untagged.
  const leadingGaps = p.entries.findIndex((e) => e.kind === 'segment');
  const discontinuities = p.gapsBefore + Math.max(0, leadingGaps === -1 ? p.entries.length : leadingGaps);
  if (discontinuities > 0) lines.push(`#EXT-X-DISCONTINUITY-SEQUENCE:${discontinuities}`);
  if (p.kind === 'replay') lines.push(`#EXT-X-PLAYLIST-TYPE:${p.ended ? 'VOD' : 'EVENT'}`);
  let afterGap = false;
  let first = true;
  for (const e of p.entries) {
    if (e.kind === 'gap') {
      afterGap = !first;
      continue;
    }
    if (afterGap) lines.push('#EXT-X-DISCONTINUITY');
    if (first || afterGap) lines.push(`#EXT-X-PROGRAM-DATE-TIME:${e.startAt}`);
    lines.push(`#EXTINF:${(e.durationMs / 1000).toFixed(3)},`, p.segmentUrl(e.idx));
    afterGap = false;
    first = false;
  }
  if (p.ended) lines.push('#EXT-X-ENDLIST');
  return lines.join('\n') + '\n';
}

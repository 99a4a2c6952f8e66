/**
 * The scrub sprite's layout and its WebVTT thumbnails track. Pure: from the ledger's segment
 * durations alone, so a retried job lays out the same sheet and the same cues.
 *
 * Cue times are the replay video's own time: the replay holds only the segments (a gap has no
 * media), so times run over segment durations, gaps skipped, exactly as the player's timeline maps them.
 */
import { THUMB_HEIGHT, THUMB_WIDTH } from './rendition-args.ts';

export const SPRITE_COLUMNS = 10;
/** JPEG stops at 65 535 px a side: past this many tiles one tile stands for several segments. */
export const MAX_TILES = 2000;
/** Cue URLs are relative to the track, so the track is served beside the sheet. */
export const SPRITE_FILE = 'sprite.jpg';

export interface TrackSegment {
  idx: number;
  durationMs: number;
}

export interface SpriteTile {
  /** the segment whose thumbnail the tile shows: the first of those it stands for */
  idx: number;
  startMs: number;
  endMs: number;
  x: number;
  y: number;
}

export interface SpriteLayout {
  columns: number;
  rows: number;
  width: number;
  height: number;
  tiles: SpriteTile[];
}

export function spriteLayout(segments: TrackSegment[]): SpriteLayout {
  // A segment without duration has no moment on the timeline to show it at.
  const timed = segments.filter((s) => s.durationMs > 0);
  const perTile = Math.max(1, Math.ceil(timed.length / MAX_TILES));
  const tiles: SpriteTile[] = [];
  let at = 0;
  for (let first = 0; first < timed.length; first += perTile) {
    const group = timed.slice(first, first + perTile);
    const n = tiles.length;
    const startMs = at;
    at += group.reduce((sum, s) => sum + s.durationMs, 0);
    tiles.push({ idx: group[0]!.idx, startMs, endMs: at, x: (n % SPRITE_COLUMNS) * THUMB_WIDTH, y: Math.floor(n / SPRITE_COLUMNS) * THUMB_HEIGHT });
  }
  const columns = Math.min(SPRITE_COLUMNS, tiles.length);
  const rows = Math.ceil(tiles.length / SPRITE_COLUMNS);
  return { columns, rows, width: columns * THUMB_WIDTH, height: rows * THUMB_HEIGHT, tiles };
}

export function thumbnailsVtt(layout: SpriteLayout): string {
  const cues = layout.tiles.map((t) => `${vttTime(t.startMs)} --> ${vttTime(t.endMs)}\n${SPRITE_FILE}#xywh=${t.x},${t.y},${THUMB_WIDTH},${THUMB_HEIGHT}\n`);
  return ['WEBVTT\n', ...cues].join('\n');
}

/** hh:mm:ss.ttt; hours keep counting past 99 rather than wrap. */
export function vttTime(ms: number): string {
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(Math.floor(ms / 3_600_000))}:${pad(Math.floor(ms / 60_000) % 60)}:${pad(Math.floor(ms / 1000) % 60)}.${pad(ms % 1000, 3)}`;
}

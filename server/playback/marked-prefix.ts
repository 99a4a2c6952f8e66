/**
 * What a replay may list: its entries up to, not including, the first segment without both
 * forensic variants. Pure.
 *
 * A replay serves marked bytes only, never an original: a copy that left without a codeword
 * could not be traced to its viewer. Segments are marked as they are sealed (workers/segment-
 * derive.ts), so the unmarked tail is short and brief; it is held back rather than served, and the
 * playlist grows (EVENT, no ENDLIST) as marks land, so a player carries on without reopening.
 * Held at the first unmarked segment, not merely skipping it: a replay never jumps over evidence.
 */
import type { RecordingFlag } from '../db/schema.ts';
import type { PlaylistEntry } from './playlist.ts';

/**
 * Why a recording is replayed from its originals, or null when it is replayed marked.
 *
 * The forensic A/B marks are drawn on pictures (workers/marked-variants.ts): a sound recording
 * (录音) has none to carry a codeword, and holding it back until marked would hold it forever.
 * Decision: an audio-only recording is replayed unmarked, from its sealed originals, to viewers
 * whose own sessions the policy allows; each such session is audited `unmarked: audio_only`, so
 * who heard it is still on record. A party's viewing room is never served unmarked bytes.
 */
export function unmarkedReason(flagsJson: string): UnmarkedReason | null {
  const flags = JSON.parse(flagsJson) as RecordingFlag[];
  return UNMARKED.find((reason) => flags.includes(reason)) ?? null;
}

/**
 * A photograph (照相) is shown as sealed, for the same reason: the A/B marks ride on a video's
 * segments, and a still picture has one object and no stream to pick variants from. Its views are
 * audited `unmarked: photo`; the page draws the visible watermark over it as over a video.
 */
const UNMARKED = ['audio_only', 'photo'] as const;
export type UnmarkedReason = (typeof UNMARKED)[number];

export interface MarkedPrefix {
  entries: PlaylistEntry[];
  /** segments of the window held back until marked */
  held: number;
}

export function markedPrefix(entries: PlaylistEntry[], marked: ReadonlySet<number>): MarkedPrefix {
  const cut = entries.findIndex((e) => e.kind === 'segment' && !marked.has(e.idx));
  if (cut === -1) return { entries, held: 0 };
  return { entries: entries.slice(0, cut), held: entries.slice(cut).filter((e) => e.kind === 'segment').length };
}

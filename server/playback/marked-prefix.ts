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
import type { PlaylistEntry } from './playlist.ts';

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

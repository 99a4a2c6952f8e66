/**
 * The hash chain of a recording, as printable lines: anyone can recompute a link with
 * `printf '%s\n' "<line>" | sha256sum` and no liuhen code (DESIGN.md "Ledger").
 *
 *   header:  liuhen-recording/1 <recordingId> <deviceId> <badgeNo|-> <startedAt> <chainFrom|-> [recovers:<recordingId>:<gap idx|->]
 *   segment: <prev link> <i> <sha256 of the segment> <start> <duration ms>
 *   gap:     <prev link> <i> gap:<cause> <start> <duration ms>
 *   notice:  <prev link> <i> notice:<device|user:id> <when the party was told> 0
 *
 * link_0 = sha256(header line); link_i = sha256(line_i). Instants are RFC 3339 UTC with ms.
 */
import { sha256Hex } from '../crypto/hash.ts';
import type { GapCause } from '../db/schema.ts';

export interface RecordingHeader {
  recordingId: string;
  deviceId: string;
  officerBadge: string | null;
  startedAt: string;
  /** link this chain continues from (a previous recording's last link), if any */
  chainFrom: string | null;
  /** a recovery recording: the recording whose failover gap its media fill, and that gap's index */
  recovers?: RecoveryLink;
}

export interface RecoveryLink {
  recordingId: string;
  /** null when the gap was not sealed yet when the recovery was made */
  gapIdx: number | null;
}

/** The header's last token on a recovery recording. */
export function recoveryToken(link: RecoveryLink): string {
  return `recovers:${token(link.recordingId, 'recording id')}:${link.gapIdx ?? '-'}`;
}

export type ChainEntry =
  | { kind: 'segment'; idx: number; sha256: string; startAt: string; durationMs: number }
  | { kind: 'gap'; idx: number; cause: GapCause; startAt: string; durationMs: number }
  | { kind: 'notice'; idx: number; by: string; startAt: string; durationMs: number };

const TOKEN = /^[^\s]+$/;

function token(value: string, what: string): string {
  if (!TOKEN.test(value)) throw new Error(`${what} cannot appear in a chain line: ${JSON.stringify(value)}`);
  return value;
}

export function headerLine(h: RecordingHeader): string {
  return (
    [
      'liuhen-recording/1',
      token(h.recordingId, 'recording id'),
      token(h.deviceId, 'device id'),
      token(h.officerBadge ?? '-', 'badge number'),
      token(h.startedAt, 'start time'),
      token(h.chainFrom ?? '-', 'chain origin'),
      ...(h.recovers ? [recoveryToken(h.recovers)] : []),
    ].join(' ') + '\n'
  );
}

export function entryLine(prevLink: string, e: ChainEntry): string {
  const what = e.kind === 'segment' ? e.sha256 : e.kind === 'gap' ? `gap:${e.cause}` : `notice:${token(e.by, 'notice author')}`;
  return `${prevLink} ${e.idx} ${what} ${token(e.startAt, 'start time')} ${e.durationMs}\n`;
}

export function linkOf(line: string): string {
  return sha256Hex(line);
}

export function instant(d: Date): string {
  return d.toISOString();
}

/** Recomputes every link from the header; returns them in entry order (index 0 is the header's). */
export function computeLinks(header: string, entries: readonly ChainEntry[]): string[] {
  const links = [linkOf(header)];
  for (const e of entries) links.push(linkOf(entryLine(links[links.length - 1]!, e)));
  return links;
}

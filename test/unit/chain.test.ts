/**
 * The chain must be checkable without liuhen: each link is the SHA-256 of a printable line, so
 * `printf '%s' "<line>" | sha256sum` recomputes it. These tests ask the real coreutils.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { type ChainEntry, computeLinks, entryLine, headerLine, linkOf } from '../../server/ledger/chain.ts';

const sha256sum = (text: string) => execFileSync('sha256sum', { input: text }).toString().split(' ')[0];

const header = headerLine({ recordingId: 'rec-1', deviceId: 'bc-1', officerBadge: 'A1001', startedAt: '2026-11-29T08:00:00.000Z', chainFrom: null });
const entries: ChainEntry[] = [
  { kind: 'segment', idx: 1, sha256: 'a'.repeat(64), startAt: '2026-11-29T08:00:00.000Z', durationMs: 2000 },
  { kind: 'gap', idx: 2, cause: 'device_disconnect', startAt: '2026-11-29T08:00:02.000Z', durationMs: 5000 },
  { kind: 'segment', idx: 3, sha256: 'b'.repeat(64), startAt: '2026-11-29T08:00:07.000Z', durationMs: 2000 },
];

describe('chain lines', () => {
  it('are the documented text, and their links are what sha256sum says', () => {
    expect(header).toBe('liuhen-recording/1 rec-1 bc-1 A1001 2026-11-29T08:00:00.000Z -\n');
    const links = computeLinks(header, entries);
    expect(links[0]).toBe(sha256sum(header));
    expect(entryLine(links[1]!, entries[1]!)).toBe(`${links[1]} 2 gap:device_disconnect 2026-11-29T08:00:02.000Z 5000\n`);
    for (let i = 0; i < entries.length; i++) expect(links[i + 1]).toBe(sha256sum(entryLine(links[i]!, entries[i]!)));
  });

  it('change every later link when one entry changes', () => {
    const links = computeLinks(header, entries);
    const edited = computeLinks(header, [entries[0]!, { ...entries[1]!, durationMs: 4999 }, entries[2]!]);
    expect(edited[1]).toBe(links[1]);
    expect(edited[2]).not.toBe(links[2]);
    expect(edited[3]).not.toBe(links[3]);
  });

  it('refuse values that would break the line format', () => {
    expect(() => headerLine({ recordingId: 'rec 1', deviceId: 'bc', officerBadge: null, startedAt: 'x', chainFrom: null })).toThrow(/recording id/);
    expect(() => headerLine({ recordingId: 'r', deviceId: 'bc', officerBadge: 'A\n1', startedAt: 'x', chainFrom: null })).toThrow(/badge/);
    expect(linkOf('')).toBe(sha256sum(''));
  });
});

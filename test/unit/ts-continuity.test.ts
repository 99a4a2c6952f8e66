import { describe, expect, it } from 'vitest';
import { continueCounters, TS_PACKET_BYTES } from '../../server/media/ts-continuity.ts';

/** One 188-byte packet: PID, counter, and whether it carries a payload (else adaptation field only). */
function packet(pid: number, cc: number, payload = true): Buffer {
  const p = Buffer.alloc(TS_PACKET_BYTES, 0xff);
  p[0] = 0x47;
  p[1] = (pid >> 8) & 0x1f;
  p[2] = pid & 0xff;
  p[3] = (payload ? 0x10 : 0x20) | cc;
  return p;
}

const counters = (bytes: Buffer, pid: number) => {
  const out: number[] = [];
  for (let at = 0; at < bytes.length; at += TS_PACKET_BYTES) if ((((bytes[at + 1]! & 0x1f) << 8) | bytes[at + 2]!) === pid) out.push(bytes[at + 3]! & 0x0f);
  return out;
};

describe('continuity counters carried on across segments', () => {
  it('continue each PID from where the previous segment left it, wrapping at 16', () => {
    const first = Buffer.concat([packet(0, 0), packet(0x100, 0), packet(0x100, 1), packet(0x101, 0)]);
    const a = continueCounters(first, new Map());
    expect(a.bytes.equals(first)).toBe(true);
    expect([...a.end]).toEqual([
      [0, 1],
      [0x100, 2],
      [0x101, 1],
    ]);
    const second = Buffer.concat([packet(0, 0), ...Array.from({ length: 16 }, (_, i) => packet(0x100, i % 16)), packet(0x101, 0)]);
    const b = continueCounters(second, a.end);
    expect(counters(b.bytes, 0)).toEqual([1]);
    expect(counters(b.bytes, 0x100)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1]);
    expect(counters(b.bytes, 0x101)).toEqual([1]);
    expect(b.end.get(0x100)).toBe(2);
    // Only the counter nibble changes: the rest of every packet is as stored.
    for (let at = 0; at < second.length; at += TS_PACKET_BYTES) {
      expect(b.bytes.subarray(at, at + 3).equals(second.subarray(at, at + 3))).toBe(true);
      expect(b.bytes[at + 3]! & 0xf0).toBe(second[at + 3]! & 0xf0);
      expect(b.bytes.subarray(at + 4, at + TS_PACKET_BYTES).equals(second.subarray(at + 4, at + TS_PACKET_BYTES))).toBe(true);
    }
    expect(second[3]! & 0x0f).toBe(0); // the input is not changed in place
  });

  it('do not count adaptation-only packets, which repeat the counter before them', () => {
    const seg = Buffer.concat([packet(0x100, 0), packet(0x100, 0, false), packet(0x100, 1)]);
    const out = continueCounters(seg, new Map([[0x100, 7]]));
    expect(counters(out.bytes, 0x100)).toEqual([7, 7, 8]);
    expect(out.end.get(0x100)).toBe(9);
    // A segment that opens a PID with an adaptation-only packet (a PCR) repeats the previous counter.
    const pcrFirst = continueCounters(Buffer.concat([packet(0x100, 15, false), packet(0x100, 0)]), new Map([[0x100, 4]]));
    expect(counters(pcrFirst.bytes, 0x100)).toEqual([3, 4]);
    expect(pcrFirst.end.get(0x100)).toBe(5);
  });

  it('keep a counter jump inside a segment, leave null packets alone and carry on PIDs the segment lacks', () => {
    const seg = Buffer.concat([packet(0x100, 0), packet(0x100, 5), packet(0x1fff, 9)]);
    const out = continueCounters(
      seg,
      new Map([
        [0x100, 3],
        [0x102, 11],
      ]),
    );
    expect(counters(out.bytes, 0x100)).toEqual([3, 8]);
    expect(counters(out.bytes, 0x1fff)).toEqual([9]);
    expect(out.end.get(0x102)).toBe(11);
  });

  it('serve bytes that are not whole packets in sync as stored', () => {
    const odd = Buffer.concat([packet(0x100, 0), Buffer.from([0x47, 0x01])]);
    expect(continueCounters(odd, new Map([[0x100, 5]])).bytes).toBe(odd);
    const unsynced = Buffer.concat([packet(0x100, 0), Buffer.alloc(TS_PACKET_BYTES)]);
    expect(continueCounters(unsynced, new Map([[0x100, 5]])).bytes).toBe(unsynced);
  });
});

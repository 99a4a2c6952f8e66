/**
 * liuhen's FLV tags for node-media-server's packets (node-media-server.ts) are the library's own
 * bytes, and the tap writes tags cut one after another from one slab as one view without copying.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { adjacentRuns } from '../../server/ingest/flv-tap.ts';
import { flvTag, type NmsPacket, TagSlab } from '../../server/ingest/node-media-server.ts';

const require = createRequire(import.meta.url);
const Flv: { createMessage(p: NmsPacket): Buffer } = require('node-media-server/src/protocol/flv.js');

function packet(codecType: number, flags: number, dts: number, size: number): NmsPacket {
  // The library's parser reuses a payload buffer larger than the message: only `size` bytes count.
  const data = Buffer.alloc(size + 100, 0xee);
  for (let i = 0; i < size; i++) data[i] = (i * 7 + dts) & 0xff;
  return { codec_type: codecType, flags, dts, pts: dts, size, data };
}

const packets = [packet(8, 0, 0, 4), packet(9, 2, 0, 40), packet(9, 3, 40, 30_000), packet(8, 1, 1_234_567, 300), packet(9, 4, 0x1_23_45_67, 9000), packet(18, 5, 0, 120)];

describe('flvTag', () => {
  it('makes the bytes Flv.createMessage makes, in a slab that was not zeroed, and for a packet larger than the slab', () => {
    const slab = new TagSlab(16 << 10);
    // Leave garbage where the next tags go, as a recycled allocation would.
    slab.cut(1000).fill(0xaa);
    for (const p of packets) expect(flvTag(p, slab).equals(Flv.createMessage(p)), `codec ${p.codec_type} flags ${p.flags} dts ${p.dts}`).toBe(true);
  });
});

describe('adjacentRuns', () => {
  it('joins tags cut one after another from one slab into one view, and starts a new run at anything else', () => {
    const slab = new TagSlab(64 << 10);
    const header = Buffer.from('FLV\x01\x05\x00\x00\x00\x09\x00\x00\x00\x00', 'latin1');
    const tags = packets.slice(0, 2).map((p) => flvTag(p, slab));
    const later = packets.slice(3, 5).map((p) => flvTag(p, slab));
    const all = [header, ...tags, ...later];
    const runs = adjacentRuns(all);
    expect(runs).toHaveLength(2);
    expect(runs[1]!.buffer).toBe(tags[0]!.buffer);
    expect(Buffer.concat(runs).equals(Buffer.concat(all))).toBe(true);

    // Out of room: the next tag starts a new slab, so a new run.
    const big = flvTag(packet(9, 4, 80, 60_000), slab);
    const runs2 = adjacentRuns([...later, big]);
    expect(runs2).toHaveLength(2);
    expect(Buffer.concat(runs2).equals(Buffer.concat([...later, big]))).toBe(true);
    expect(adjacentRuns([])).toEqual([]);
  });
});

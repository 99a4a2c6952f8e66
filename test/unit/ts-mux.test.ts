import { describe, expect, it } from 'vitest';
import { adtsFrame, readAacConfig } from '../../server/media/adts.ts';
import { AnnexBWriter, readAvcConfig } from '../../server/media/avc-annexb.ts';
import { everyPacketInSync } from '../../server/media/ts-continuity.ts';
import { AUDIO_PID, TsWriter, VIDEO_PID, VIDEO_STREAM_ID } from '../../server/media/ts-mux.ts';
import { tsVideoCodec } from '../../server/media/ts-video-codec.ts';

/** The 33-bit timestamp in the 5 bytes of a PES header's PTS or DTS field. */
function timestampAt(b: Buffer, at: number): number {
  return ((b[at]! >> 1) & 0x07) * 2 ** 30 + (b[at + 1]! << 22) + ((b[at + 2]! >> 1) << 15) + (b[at + 3]! << 7) + (b[at + 4]! >> 1);
}

function pidOf(packet: Buffer): number {
  return packet.readUInt16BE(1) & 0x1fff;
}

describe('the MPEG-TS writer', () => {
  it('writes a program map the segment readers know: H.264 on 0x100, AAC on 0x101', () => {
    const tables = new TsWriter(true).tables();
    expect(tables.length).toBe(2 * 188);
    expect(everyPacketInSync(tables)).toBe(true);
    expect(tsVideoCodec(tables)).toBe('h264');
    const pmt = tables.subarray(188);
    expect(pmt.includes(Buffer.from([0x0f, 0xe0 | (AUDIO_PID >> 8), AUDIO_PID & 0xff]))).toBe(true);
    expect(
      new TsWriter(false)
        .tables()
        .subarray(188)
        .includes(Buffer.from([0x0f, 0xe0 | (AUDIO_PID >> 8)])),
    ).toBe(false);
  });

  it('splits a frame into whole packets, stuffs the last, counts continuity per PID and wraps timestamps at 33 bits', () => {
    const mux = new TsWriter(false);
    const frame = Buffer.alloc(1000, 0xab);
    const pts = 2 ** 33 + 12_345;
    const ts = mux.pes(VIDEO_PID, VIDEO_STREAM_ID, frame, pts, pts - 3600, { key: true, pcr: pts - 3600 - 63_000 });
    expect(ts.length % 188).toBe(0);
    expect(everyPacketInSync(ts)).toBe(true);
    const packets = Array.from({ length: ts.length / 188 }, (_, i) => ts.subarray(i * 188, (i + 1) * 188));
    expect(packets.map(pidOf)).toEqual(packets.map(() => VIDEO_PID));
    expect(packets.map((p) => p[3]! & 0x0f)).toEqual(packets.map((_, i) => i));
    const first = packets[0]!;
    expect(first[1]! & 0x40).toBe(0x40); // payload unit start
    expect(first[5]! & 0x50).toBe(0x50); // random access, PCR
    const pes = first.subarray(4 + 1 + first[4]!);
    expect(pes.subarray(0, 4)).toEqual(Buffer.from([0, 0, 1, VIDEO_STREAM_ID]));
    expect(pes[7]).toBe(0xc0); // PTS and DTS
    expect(timestampAt(pes, 9)).toBe(12_345);
    expect(timestampAt(pes, 14)).toBe(12_345 - 3600);
    // all the frame's bytes are there, after the PES header, whatever the stuffing
    const payloads = packets.map((p) => (p[3]! & 0x20 ? p.subarray(5 + p[4]!) : p.subarray(4)));
    expect(Buffer.concat(payloads).subarray(19)).toEqual(frame);
    expect(mux.pes(VIDEO_PID, VIDEO_STREAM_ID, frame, 0, 0, { key: false })[3]! & 0x0f).toBe(packets.length % 16);
  });

  it('writes a frame given in pieces (empty ones too, across packet borders) as the same packets as the frame whole', () => {
    const frame = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7) & 0xff));
    const cuts = [0, 1, 1, 183, 184, 367, 2000, 4999, 5000];
    const pieces = cuts.slice(1).map((end, i) => frame.subarray(cuts[i], end));
    const arena: Buffer[] = [];
    const whole = new TsWriter(false).pes(VIDEO_PID, VIDEO_STREAM_ID, frame, 9000, 6000, { key: true, pcr: 0 });
    const pieced = new TsWriter(false, (n) => arena[arena.push(Buffer.alloc(n)) - 1]!).pes(VIDEO_PID, VIDEO_STREAM_ID, pieces, 9000, 6000, { key: true, pcr: 0 });
    expect(pieced).toEqual(whole);
    // written into the memory it was given
    expect(pieced.buffer).toBe(arena[0]!.buffer);
  });
});

describe('AAC into ADTS', () => {
  it('heads each raw frame with the 7-byte header its AudioSpecificConfig gives', () => {
    const lcStereo44k = readAacConfig(Buffer.from([0x12, 0x10]));
    expect(lcStereo44k).toEqual({ objectType: 2, sampleRateIndex: 4, channels: 2 });
    const frame = adtsFrame(lcStereo44k, Buffer.alloc(100, 1));
    expect(frame.subarray(0, 7)).toEqual(Buffer.from([0xff, 0xf1, 0x50, 0x80, 0x0d, 0x7f, 0xfc]));
    expect(frame.length).toBe(107);
  });

  it('refuses what ADTS cannot carry, so such a stream goes to ffmpeg', () => {
    expect(() => readAacConfig(Buffer.from([0x2b, 0x92, 0x08, 0x00]))).toThrow(/object type 5/); // HE-AAC signalled explicitly
    expect(() => readAacConfig(Buffer.from([0x12, 0x00]))).toThrow(/channel configuration 0/);
  });
});

describe('H.264 from AVCC into Annex B', () => {
  const sps = Buffer.from([0x67, 0x42, 0xc0, 0x1e]);
  const pps = Buffer.from([0x68, 0xce, 0x3c, 0x80]);
  const record = Buffer.concat([Buffer.from([1, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0, 4]), sps, Buffer.from([1, 0, 4]), pps]);
  const nal = (b: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
  const idr = Buffer.from([0x65, 0x88, 0x80]);
  const slice = Buffer.from([0x41, 0x9a, 0x01]);
  const aud = Buffer.from([0, 0, 0, 1, 0x09, 0xf0]);
  const start4 = Buffer.from([0, 0, 0, 1]);
  const start3 = Buffer.from([0, 0, 1]);

  it('puts an access unit delimiter first, and the parameter sets before an IDR picture that has none', () => {
    const w = new AnnexBWriter(readAvcConfig(record));
    expect(Buffer.concat(w.convert(nal(idr)))).toEqual(Buffer.concat([aud, start4, sps, start4, pps, start3, idr]));
    expect(Buffer.concat(w.convert(nal(slice)))).toEqual(Buffer.concat([aud, start4, slice]));
  });

  it('keeps parameter sets the camera sends in band, and adds none', () => {
    const w = new AnnexBWriter(readAvcConfig(record));
    expect(Buffer.concat(w.convert(Buffer.concat([nal(sps), nal(pps), nal(idr)])))).toEqual(Buffer.concat([aud, start4, sps, start4, pps, start3, idr]));
  });

  it('refuses an access unit whose NAL unit runs past its end', () => {
    expect(() => new AnnexBWriter(readAvcConfig(record)).convert(Buffer.from([0, 0, 0, 9, 0x65]))).toThrow(/runs past/);
  });
});

/**
 * MPEG-TS (ISO/IEC 13818-1) for one segment file, laid out as ffmpeg's muxer lays out its
 * segments, so the readers of stored segments see what they know: program 1, PMT on PID 0x1000,
 * H.264 (stream type 0x1b) on PID 0x100 carrying the PCR, AAC in ADTS (0x0f) on 0x101, continuity
 * counters from 0 in every file (server/media/ts-continuity.ts continues them when served), PCR
 * 0.7 s before each frame's DTS and timestamps 1.4 s after the stream's origin, wrapping at
 * 33 bits. A new writer per segment file. Pure.
 */
import { TS_PACKET_BYTES } from './ts-continuity.ts';

export const PMT_PID = 0x1000;
export const VIDEO_PID = 0x100;
export const AUDIO_PID = 0x101;
const STREAM_TYPE_H264 = 0x1b;
const STREAM_TYPE_AAC = 0x0f;
export const VIDEO_STREAM_ID = 0xe0;
export const AUDIO_STREAM_ID = 0xc0;
const PAYLOAD_BYTES = TS_PACKET_BYTES - 4;
const WRAP_33 = 2 ** 33;
/** 90 kHz ticks the PCR runs ahead of a frame's DTS (ffmpeg: max_delay 0.7 s) */
export const PCR_LEAD = 63_000;

/** The bytes of a payload held in pieces. */
export function byteCount(pieces: readonly Buffer[]): number {
  let n = 0;
  for (const piece of pieces) n += piece.length;
  return n;
}

/** Where a writer's packets go: fresh memory by default, or an arena the cutter reuses. */
export type PacketMemory = (bytes: number) => Buffer;

export class TsWriter {
  private readonly counters = new Map<number, number>();

  constructor(
    private readonly withAudio: boolean,
    private readonly memory: PacketMemory = Buffer.allocUnsafe,
  ) {}

  /** PAT and PMT, which a reader needs before any frame of a file. */
  tables(): Buffer {
    const pat = section(0x00, 1, Buffer.from([0x00, 0x01, 0xe0 | (PMT_PID >> 8), PMT_PID & 0xff]));
    const streams = [STREAM_TYPE_H264, 0xe0 | (VIDEO_PID >> 8), VIDEO_PID & 0xff, 0xf0, 0x00];
    if (this.withAudio) streams.push(STREAM_TYPE_AAC, 0xe0 | (AUDIO_PID >> 8), AUDIO_PID & 0xff, 0xf0, 0x00);
    const pmt = section(0x02, 1, Buffer.from([0xe0 | (VIDEO_PID >> 8), VIDEO_PID & 0xff, 0xf0, 0x00, ...streams]));
    // sections are padded with 0xff in the payload (§2.4.4), not with adaptation-field stuffing
    const padded = (b: Buffer) => Buffer.concat([b, Buffer.alloc(PAYLOAD_BYTES - b.length, 0xff)]);
    return Buffer.concat([this.packets(0, [padded(pat)], true), this.packets(PMT_PID, [padded(pmt)], true)]);
  }

  /**
   * One PES (a video frame, or audio frames gathered) in TS packets. `data` is the payload, whole
   * or in the pieces it was found in (they are copied once, into the packets). `pts`/`dts` in
   * 90 kHz ticks, any size (written modulo 2^33); `pcr` sets the program clock on its first packet.
   */
  pes(pid: number, streamId: number, data: Buffer | readonly Buffer[], pts: number, dts: number, opts: { key: boolean; pcr?: number }): Buffer {
    const pieces = Buffer.isBuffer(data) ? [data] : data;
    const both = pts !== dts;
    const header = Buffer.alloc(9 + (both ? 10 : 5));
    header.writeUIntBE(0x000001, 0, 3);
    header[3] = streamId;
    const length = 3 + (both ? 10 : 5) + byteCount(pieces);
    // ffmpeg leaves a video PES's length open (0); audio ones fit in 16 bits.
    header.writeUInt16BE(streamId === VIDEO_STREAM_ID || length > 0xffff ? 0 : length, 4);
    header[6] = 0x80;
    header[7] = both ? 0xc0 : 0x80;
    header[8] = both ? 10 : 5;
    writeTimestamp(header, 9, both ? 0x3 : 0x2, pts);
    if (both) writeTimestamp(header, 14, 0x1, dts);
    const flags = (opts.key ? 0x40 : 0) | (opts.pcr !== undefined ? 0x10 : 0);
    let firstFields: Buffer | undefined;
    if (flags) {
      firstFields = Buffer.alloc(opts.pcr !== undefined ? 7 : 1);
      firstFields[0] = flags;
      if (opts.pcr !== undefined) writePcr(firstFields, 1, opts.pcr);
    }
    return this.packets(pid, [header, ...pieces], true, firstFields);
  }

  /** Splits a payload (in pieces) into packets; the last one is padded with adaptation-field stuffing. */
  private packets(pid: number, payload: readonly Buffer[], unitStart: boolean, firstFields?: Buffer): Buffer {
    const payloadBytes = byteCount(payload);
    const firstSpace = PAYLOAD_BYTES - (firstFields ? 1 + firstFields.length : 0);
    const count = payloadBytes <= firstSpace ? 1 : 1 + Math.ceil((payloadBytes - firstSpace) / PAYLOAD_BYTES);
    // one piece of memory for the whole frame: at camera bit rates a packet at a time dominates the cost
    const out = this.memory(count * TS_PACKET_BYTES);
    let at = 0;
    let piece = 0;
    let pieceAt = 0;
    for (let i = 0; i < count; i++) {
      const packet = out.subarray(i * TS_PACKET_BYTES, (i + 1) * TS_PACKET_BYTES);
      const fields = i === 0 ? firstFields : undefined;
      const cc = ((this.counters.get(pid) ?? -1) + 1) & 0x0f;
      this.counters.set(pid, cc);
      let space = PAYLOAD_BYTES - (fields ? 1 + fields.length : 0);
      const remaining = payloadBytes - at;
      let afLength = fields ? fields.length : -1;
      let stuffing = 0;
      if (remaining < space) {
        stuffing = space - remaining;
        // an adaptation field of length 0 is one byte; any longer one has its flags byte first
        afLength = fields ? fields.length + stuffing : stuffing - 1;
        space = remaining;
      }
      packet[0] = 0x47;
      packet[1] = (i === 0 && unitStart ? 0x40 : 0) | (pid >> 8);
      packet[2] = pid & 0xff;
      packet[3] = (afLength >= 0 ? 0x30 : 0x10) | cc;
      let pos = 4;
      if (afLength >= 0) {
        packet[pos] = afLength;
        if (afLength > 0) {
          if (fields) fields.copy(packet, pos + 1);
          else packet[pos + 1] = 0x00;
          const flagsEnd = pos + 1 + (fields ? fields.length : 1);
          packet.fill(0xff, flagsEnd, pos + 1 + afLength);
        }
        pos += 1 + afLength;
      }
      for (let left = space; left > 0;) {
        const from = payload[piece]!;
        const n = Math.min(left, from.length - pieceAt);
        from.copy(packet, pos, pieceAt, pieceAt + n);
        pos += n;
        left -= n;
        pieceAt += n;
        if (pieceAt === from.length) {
          piece++;
          pieceAt = 0;
        }
      }
      at += space;
    }
    return out;
  }
}

/** A PSI section (pointer field first) with its CRC. */
function section(tableId: number, idExtension: number, body: Buffer): Buffer {
  const length = 5 + body.length + 4;
  const s = Buffer.alloc(1 + 3 + length);
  s[0] = 0; // pointer_field
  s[1] = tableId;
  s.writeUInt16BE(0xb000 | length, 2);
  s.writeUInt16BE(idExtension, 4);
  s[6] = 0xc1; // version 0, current
  s[7] = 0;
  s[8] = 0;
  body.copy(s, 9);
  s.writeUInt32BE(crc32Mpeg(s.subarray(1, s.length - 4)), s.length - 4);
  return s;
}

function writeTimestamp(b: Buffer, at: number, marker: number, ticks: number): void {
  const t = ((ticks % WRAP_33) + WRAP_33) % WRAP_33;
  const high = Math.floor(t / 2 ** 30); // bits 32..30
  const low = t % 2 ** 30;
  b[at] = (marker << 4) | (high << 1) | 1;
  b[at + 1] = low >>> 22;
  b[at + 2] = (((low >>> 15) & 0x7f) << 1) | 1;
  b[at + 3] = (low >>> 7) & 0xff;
  b[at + 4] = ((low & 0x7f) << 1) | 1;
}

/** PCR: a 33-bit 90 kHz base (extension 0), at the same time scale as the timestamps. */
function writePcr(b: Buffer, at: number, ticks: number): void {
  const base = ((ticks % WRAP_33) + WRAP_33) % WRAP_33;
  const high = Math.floor(base / 2); // the top 32 bits
  b.writeUInt32BE(high >>> 0, at);
  b[at + 4] = ((base % 2) << 7) | 0x7e;
  b[at + 5] = 0;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 24;
    for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
    t[i] = c >>> 0;
  }
  return t;
})();

function crc32Mpeg(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ byte) & 0xff]!) >>> 0;
  return crc >>> 0;
}

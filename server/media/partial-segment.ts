/**
 * The last segment file of a segmenter that died writing it (a node killed, the machine's power
 * lost): no row in the list, and its bytes end wherever the last write stopped, mid-packet or
 * mid-frame. What can be sealed of it is its longest prefix that ends with a whole frame: whole
 * 188-byte packets, and no PES (one video frame, or audio frames gathered) cut off. Nothing is
 * rewritten; the prefix is the bytes as written. Pure.
 *
 * A PES whose header gives its length is whole once that many bytes are there; a video PES's
 * length is left open by both segmenters, so it is whole only once the next PES of its PID starts.
 * The file's last video frame therefore never counts as whole: its end cannot be told.
 */
import { TS_PACKET_BYTES } from './ts-continuity.ts';

const SYNC_BYTE = 0x47;
const PES_HEADER_BYTES = 6;
/** MPEG-1/2 video, MPEG-4 part 2, H.264, H.265 */
const VIDEO_STREAM_TYPES = new Set([0x01, 0x02, 0x10, 0x1b, 0x24]);
const TICKS_PER_SECOND = 90_000;

interface Pes {
  video: boolean;
  /** packets of the file from the PES's first to its last */
  first: number;
  last: number;
  /** PES_packet_length: 0 when open */
  declared: number;
  received: number;
  /** whether the PES of its PID after it started */
  followed: boolean;
  pts?: number;
  dts?: number;
}

export interface PartialSegment {
  /** the prefix of the file that ends with its last whole frame; empty when it holds none */
  kept: Buffer;
  /** seconds from the first frame kept to the end of the last (video's; audio's when there is no video): its PTS plus one frame */
  keptSeconds: number;
  /** how many PESes (frames, or audio frames gathered) the file begins, kept or not */
  begun: number;
  /** seconds the timestamps of the frames it begins span (video's; audio's when there is no video) */
  begunSeconds: number;
}

/** A 33-bit PES timestamp from its five bytes. */
function timestamp(b: Buffer, at: number): number {
  return ((b[at]! >> 1) & 0x07) * 2 ** 30 + b[at + 1]! * 2 ** 22 + (b[at + 2]! >> 1) * 2 ** 15 + b[at + 3]! * 2 ** 7 + (b[at + 4]! >> 1);
}

/** Where a packet's payload starts, or undefined when it carries none. */
function payloadAt(ts: Buffer, at: number): number | undefined {
  const control = (ts[at + 3]! >> 4) & 0x03;
  if (!(control & 1)) return undefined;
  const start = at + 4 + (control & 2 ? 1 + ts[at + 4]! : 0);
  return start < at + TS_PACKET_BYTES ? start : undefined;
}

function readPes(ts: Buffer, payload: number, end: number, packet: number): Pes | undefined {
  if (end - payload < PES_HEADER_BYTES || ts[payload] !== 0 || ts[payload + 1] !== 0 || ts[payload + 2] !== 1) return undefined;
  const streamId = ts[payload + 3]!;
  const pes: Pes = { video: (streamId & 0xf0) === 0xe0, first: packet, last: packet, declared: ts.readUInt16BE(payload + 4), received: end - payload - PES_HEADER_BYTES, followed: false };
  const flags = ts[payload + 7];
  if (flags !== undefined && payload + 9 <= end) {
    const has = flags >> 6;
    if (has & 2 && payload + 14 <= end) pes.pts = timestamp(ts, payload + 9);
    pes.dts = has === 3 && payload + 19 <= end ? timestamp(ts, payload + 14) : pes.pts;
  }
  return pes;
}

/**
 * Whether the file's program has a video stream, by its PMT (ISO/IEC 13818-1 §2.4.4.8); undefined
 * when no PMT is read in it.
 */
function programHasVideo(ts: Buffer, packets: number): boolean | undefined {
  let pmtPid: number | undefined;
  for (let i = 0; i < packets; i++) {
    const at = i * TS_PACKET_BYTES;
    const pid = ((ts[at + 1]! & 0x1f) << 8) | ts[at + 2]!;
    const payload = payloadAt(ts, at);
    if (!(ts[at + 1]! & 0x40) || payload === undefined || (pid !== 0 && pid !== pmtPid)) continue;
    const table = payload + 1 + ts[payload]!;
    if (table + 3 > at + TS_PACKET_BYTES) continue;
    const end = Math.min(at + TS_PACKET_BYTES, table + 3 + (ts.readUInt16BE(table + 1) & 0x0fff)) - 4;
    if (pid === 0) {
      if (ts[table] === 0x00 && table + 12 <= end) pmtPid = ts.readUInt16BE(table + 10) & 0x1fff;
      continue;
    }
    if (ts[table] !== 0x02) continue;
    let entry = table + 12 + (ts.readUInt16BE(table + 10) & 0x0fff);
    for (; entry + 5 <= end; entry += 5 + (ts.readUInt16BE(entry + 3) & 0x0fff)) if (VIDEO_STREAM_TYPES.has(ts[entry]!)) return true;
    return false;
  }
  return undefined;
}

/** The PESes of the file's whole packets, in the order they start. */
function pesOf(ts: Buffer, packets: number): Pes[] {
  const all: Pes[] = [];
  const current = new Map<number, Pes>();
  for (let i = 0; i < packets; i++) {
    const at = i * TS_PACKET_BYTES;
    const pid = ((ts[at + 1]! & 0x1f) << 8) | ts[at + 2]!;
    const payload = payloadAt(ts, at);
    if (payload === undefined) continue;
    const end = at + TS_PACKET_BYTES;
    const started = ts[at + 1]! & 0x40 ? readPes(ts, payload, end, i) : undefined;
    const open = current.get(pid);
    if (started) {
      if (open) open.followed = true;
      current.set(pid, started);
      all.push(started);
    } else if (open) {
      open.last = i;
      open.received += end - payload;
    }
  }
  return all;
}

const whole = (p: Pes) => (p.declared > 0 ? p.received >= p.declared : p.followed);

/** From the first timestamp to the last plus one step between them (the smallest seen). */
function span(times: number[], kept: number[]): number {
  if (kept.length === 0) return 0;
  const sorted = [...new Set(times)].sort((a, b) => a - b);
  let step = Infinity;
  for (let i = 1; i < sorted.length; i++) step = Math.min(step, sorted[i]! - sorted[i - 1]!);
  return (Math.max(...kept) + (Number.isFinite(step) ? step : 0) - Math.min(...kept)) / TICKS_PER_SECOND;
}

/** How many of the file's packets are whole and in sync: a write stopped after a lost byte leaves nothing readable beyond it. */
function packetsInSync(ts: Buffer): number {
  const packets = Math.floor(ts.length / TS_PACKET_BYTES);
  for (let i = 0; i < packets; i++) if (ts[i * TS_PACKET_BYTES] !== SYNC_BYTE) return i;
  return packets;
}

export function partialSegment(ts: Buffer): PartialSegment {
  const packets = packetsInSync(ts);
  const all = pesOf(ts, packets);
  // The prefix may not reach into a PES that is not whole, nor end inside one.
  let limit = all.find((p) => !whole(p))?.first ?? packets;
  for (let straddling = all.filter((p) => p.first < limit && p.last >= limit); straddling.length > 0; straddling = all.filter((p) => p.first < limit && p.last >= limit)) {
    limit = Math.min(...straddling.map((p) => p.first));
  }
  const kept = all.filter((p) => p.last < limit);
  const cut = kept.length > 0 ? Math.max(...kept.map((p) => p.last)) + 1 : 0;
  // a file of a stream with pictures is sealed from its whole video frames, or not at all
  const video = programHasVideo(ts, packets) ?? all.some((p) => p.video);
  const timed = (list: Pes[]) => list.filter((p) => p.video === video && p.pts !== undefined).map((p) => p.pts!);
  const steps = all.filter((p) => p.video === video && p.dts !== undefined).map((p) => p.dts!);
  const begun = timed(all);
  return {
    kept: ts.subarray(0, kept.some((p) => p.video === video) ? cut * TS_PACKET_BYTES : 0),
    keptSeconds: span(steps, timed(kept)),
    begun: all.length,
    begunSeconds: begun.length > 0 ? (Math.max(...begun) - Math.min(...begun)) / TICKS_PER_SECOND : 0,
  };
}

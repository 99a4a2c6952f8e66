/**
 * FLV tags out of a byte stream, in whatever pieces it arrives (node-media-server's tap batches
 * whole tags, a file stream cuts anywhere), and what liuhen's cutter needs to know of each: the
 * codec, the keyframe flag, the sequence headers and the timestamps. Pure.
 *
 * Written here rather than taken from npm: the FLV parsers there (flv.js, mpegts.js) are browser
 * players bound to MSE, and node-media-server's own parser is internal to its RTMP session. FLV
 * is small (Adobe FLV spec v10.1 §E); what matters is its timestamps, which this keeps exactly.
 */

export const FLV_AUDIO = 8;
export const FLV_VIDEO = 9;
export const FLV_SCRIPT = 18;

/** FLV video codec id of H.264 (AVC); anything else (and enhanced RTMP's FourCC tags) goes to ffmpeg */
const CODEC_AVC = 7;
/** FLV sound format of AAC */
const SOUND_AAC = 10;
const FLV_HEADER_BYTES = 9;
const TAG_HEADER_BYTES = 11;
const PREVIOUS_TAG_SIZE_BYTES = 4;

export class FlvInvalid extends Error {}

export interface FlvTag {
  type: number;
  /** milliseconds as written: 32 bits that wrap after 49.7 days */
  timestamp: number;
  data: Buffer;
}

/** Splits a byte stream into FLV tags; `push` returns the tags completed by a chunk. */
export class FlvReader {
  private buffered: Buffer = Buffer.alloc(0);
  private headerRead = false;

  push(chunk: Buffer): FlvTag[] {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const tags: FlvTag[] = [];
    let at = 0;
    if (!this.headerRead) {
      if (this.buffered.length < FLV_HEADER_BYTES) return tags;
      if (this.buffered.toString('latin1', 0, 3) !== 'FLV') throw new FlvInvalid('not an FLV stream');
      at = this.buffered.readUInt32BE(5) + PREVIOUS_TAG_SIZE_BYTES;
      this.headerRead = true;
    }
    while (at + TAG_HEADER_BYTES <= this.buffered.length) {
      const size = this.buffered.readUIntBE(at + 1, 3);
      const end = at + TAG_HEADER_BYTES + size + PREVIOUS_TAG_SIZE_BYTES;
      if (end > this.buffered.length) break;
      const b = this.buffered;
      const timestamp = ((b[at + 7]! << 24) | (b[at + 4]! << 16) | (b[at + 5]! << 8) | b[at + 6]!) >>> 0;
      tags.push({ type: b[at]! & 0x1f, timestamp, data: b.subarray(at + TAG_HEADER_BYTES, at + TAG_HEADER_BYTES + size) });
      at = end;
    }
    this.buffered = at >= this.buffered.length ? Buffer.alloc(0) : this.buffered.subarray(at);
    return tags;
  }
}

export type VideoTag = { kind: 'avc-config'; config: Buffer } | { kind: 'avc-frame'; key: boolean; compositionMs: number; data: Buffer } | { kind: 'avc-end' } | { kind: 'unsupported'; codec: string };

export function readVideoTag(data: Buffer): VideoTag | undefined {
  if (data.length < 1) return undefined;
  // Enhanced RTMP (H.265, AV1, VP9 by FourCC) sets the top bit.
  if (data[0]! & 0x80) return { kind: 'unsupported', codec: data.length >= 5 ? data.toString('latin1', 1, 5) : 'ex-header' };
  const codecId = data[0]! & 0x0f;
  if (codecId !== CODEC_AVC) return { kind: 'unsupported', codec: `flv video codec ${codecId}` };
  if (data.length < 5) return undefined;
  const frameType = data[0]! >> 4;
  const packetType = data[1]!;
  if (packetType === 0) return { kind: 'avc-config', config: data.subarray(5) };
  if (packetType === 2) return { kind: 'avc-end' };
  // A video info/command frame (type 5) carries no picture.
  if (frameType === 5) return undefined;
  return { kind: 'avc-frame', key: frameType === 1, compositionMs: (data.readUIntBE(2, 3) << 8) >> 8, data: data.subarray(5) };
}

export type AudioTag = { kind: 'aac-config'; config: Buffer } | { kind: 'aac-frame'; data: Buffer } | { kind: 'unsupported'; codec: string };

export function readAudioTag(data: Buffer): AudioTag | undefined {
  if (data.length < 2) return undefined;
  const soundFormat = data[0]! >> 4;
  if (soundFormat !== SOUND_AAC) return { kind: 'unsupported', codec: `flv sound format ${soundFormat}` };
  return data[1] === 0 ? { kind: 'aac-config', config: data.subarray(2) } : { kind: 'aac-frame', data: data.subarray(2) };
}

/**
 * From an onMetaData script tag: the frame rate and which codecs the publisher announced (a
 * publisher without audio announces no audiocodecid). Only AMF0 numbers are read, by key.
 */
export function readMetadata(data: Buffer): { framerate?: number; hasAudio: boolean; hasVideo: boolean } | undefined {
  if (data.indexOf('onMetaData', 0, 'latin1') < 0) return undefined;
  const number = (key: string): number | undefined => {
    const k = Buffer.from(key, 'latin1');
    for (let at = data.indexOf(k); at >= 2; at = data.indexOf(k, at + 1)) {
      // an AMF0 object key: 16-bit length, the name, then the value's type marker (0: number)
      if (data.readUInt16BE(at - 2) !== k.length || data[at + k.length] !== 0 || at + k.length + 9 > data.length) continue;
      return data.readDoubleBE(at + k.length + 1);
    }
    return undefined;
  };
  return { framerate: number('framerate'), hasAudio: number('audiocodecid') !== undefined, hasVideo: number('videocodecid') !== undefined };
}

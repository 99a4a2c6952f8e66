/**
 * The few parts of node-media-server 4.4 (CommonJS, untyped) that liuhen touches, typed here so
 * nothing else reaches into the library. Pinned to 4.4.3 in package.json: these are internals.
 */
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';

const require = createRequire(import.meta.url);

export interface NmsSession {
  id: string;
  ip: string;
  protocol: string;
  streamApp: string;
  streamName: string;
  streamPath: string;
  streamQuery: Record<string, string | string[] | undefined>;
  socket?: Socket;
  sendBuffer: (buffer: Buffer) => void;
  close: () => void;
}

/** One parsed audio/video/script message of a publish (src/core/avpacket.js). */
export interface NmsPacket {
  /** 8 audio, 9 video, 18 script */
  codec_type: number;
  /** 0 audio header, 1 audio frame, 2 video header, 3 keyframe, 4 other video frame, 5 metadata */
  flags: number;
  dts: number;
  pts: number;
  size: number;
  data: Buffer;
}

export interface NmsBroadcast {
  publisher: NmsSession | null;
  publishGraceMs: number;
  subscribers: Map<string, NmsSession>;
  flvMetaData: Buffer | null;
  flvAudioHeader: Buffer | null;
  flvVideoHeader: Buffer | null;
  /** the current GOP as FLV tags, from its keyframe: what a new FLV player (liuhen's retap) starts with */
  flvGopCache: Set<Buffer> | null;
  rtmpGopCache: Set<Buffer> | null;
  /** dts offset per codec_type applied when the same publisher resumes inside the library's grace window, and the last dts seen */
  _dtsOffset: Record<number, number>;
  _lastDts: Record<number, number>;
  broadcastMessage(packet: NmsPacket): void;
  postPlay(session: NmsSession): string | null;
  donePlay(session: NmsSession): void;
}

export interface NmsServer {
  on(event: 'prePublish' | 'postPublish' | 'donePublish', listener: (session: NmsSession) => void): void;
  run(): Promise<void>;
  stop(): Promise<void>;
  rtmpServer: { tcpServer?: import('node:net').Server; handleListenError: (name: string, port: number) => (err: Error) => void };
  /** the library's JSON store; by default it re-kills the process on SIGINT/SIGTERM; without an 'error' listener it writes flush failures to the console */
  store: { options: { signals: boolean }; on(event: 'error', listener: (err: Error) => void): void };
}

export interface NmsConfig {
  bind: string;
  rtmp: { port: number };
  webadmin: { enable: false };
  /** `maxHistory`: finished publishes the library keeps in its JSON store, rewriting the whole file on each */
  store: { path: string; maxHistory: number };
  auth: { publish: boolean; play: boolean; secret: string };
}

export const NodeMediaServer: new (config: NmsConfig) => NmsServer = require('node-media-server');
export const nmsContext: { broadcasts: Map<string, NmsBroadcast>; store: { collection(name: string): { all(): unknown[] } } | null } = require('node-media-server/src/core/context.js');
export const BaseSession: new () => NmsSession = require('node-media-server/src/session/base_session.js');
const nmsLogger: { level: string } = require('node-media-server/src/core/logger.js');

/** The library's own cap on a GOP cache (packets): a stream without keyframes must not grow it forever. */
const GOP_CACHE_MAX = 4096;

/**
 * FLV tags are cut one after another from large buffers rather than each allocated on its own:
 * a fresh zero-filled allocation per packet, copied again when the tap batched them, was the
 * largest cost on the event loop under load (README, Performance). Consecutive tags are adjacent views of one
 * slab, so the tap writes a run of them as one view, without copying (flv-tap.ts).
 */
export class TagSlab {
  private slab = Buffer.alloc(0);
  private used = 0;

  constructor(private readonly size = 256 << 10) {}

  cut(length: number): Buffer {
    if (length > this.size) return Buffer.allocUnsafe(length);
    if (this.used + length > this.slab.length) {
      this.slab = Buffer.allocUnsafeSlow(this.size);
      this.used = 0;
    }
    this.used += length;
    return this.slab.subarray(this.used - length, this.used);
  }
}

/** `Flv.createMessage` (src/protocol/flv.js), the same bytes, in a buffer from `slab`. */
export function flvTag(packet: NmsPacket, slab: TagSlab): Buffer {
  const tag = slab.cut(11 + packet.size + 4);
  tag[0] = packet.codec_type;
  tag.writeUIntBE(packet.size, 1, 3);
  // FLV's timestamp: 24 low bits, then the high byte.
  tag.writeUIntBE(packet.dts & 0xffffff, 4, 3);
  tag[7] = (packet.dts >> 24) & 0xff;
  // stream id, always 0
  tag.fill(0, 8, 11);
  packet.data.copy(tag, 11, 0, packet.size);
  tag.writeUInt32BE(11 + packet.size, 11 + packet.size);
  return tag;
}

/**
 * node-media-server 4.4.3 turns every packet into an FLV tag AND into RTMP chunks (each a fresh,
 * zero-filled copy), and keeps a GOP of both, for players of either kind. liuhen's only player
 * is its own FLV tap: an RTMP or HTTP play needs a signature only liuhen could make, and it makes
 * none. In the ingest benchmark at N = 30 that second copy was ~9 % of the event loop's busy
 * time (README, Performance). This replaces the broadcast's `broadcastMessage` with the FLV half of the
 * library's own — same tags, same headers and GOP cache (which a retap starts from), same dts
 * continuation — minus the RTMP copies and the metadata bookkeeping only its admin API reads.
 * Upstream, the same saving is making the RTMP message lazily, once an RTMP player is there.
 */
export function flvOnly(broadcast: NmsBroadcast): void {
  const slab = new TagSlab();
  broadcast.broadcastMessage = (packet) => {
    const offset = broadcast._dtsOffset[packet.codec_type] || 0;
    if (offset > 0 && (packet.flags === 1 || packet.flags === 3 || packet.flags === 4)) {
      packet.dts += offset;
      packet.pts += offset;
    }
    if (packet.codec_type === 8 || packet.codec_type === 9) broadcast._lastDts[packet.codec_type] = packet.dts;
    const tag = flvTag(packet, slab);
    if (packet.flags === 0) broadcast.flvAudioHeader = tag;
    else if (packet.flags === 2) broadcast.flvVideoHeader = tag;
    else if (packet.flags === 5) broadcast.flvMetaData = tag;
    else if (packet.flags === 3) broadcast.flvGopCache = new Set([tag]);
    else if (packet.flags === 1 || packet.flags === 4) broadcast.flvGopCache?.add(tag);
    if (broadcast.flvGopCache && broadcast.flvGopCache.size > GOP_CACHE_MAX) broadcast.flvGopCache.clear();
    for (const player of broadcast.subscribers.values()) if (player.protocol === 'flv') player.sendBuffer(tag);
  };
}

/** The constructor forces the library's logger to debug; liuhen logs what matters itself. */
export function quietNmsLogger(): void {
  nmsLogger.level = 'error';
}

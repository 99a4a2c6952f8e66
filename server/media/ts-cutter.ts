/**
 * The in-process segmenter: a live FLV stream (H.264, optionally AAC) cut into keyframe-aligned
 * MPEG-TS segments in the spool folder's contract — seg_%06d.ts files, and a row
 * "file,start,end" appended to segments.csv once a file is complete and closed — without an
 * ffmpeg process per stream (issue 18). It does what `ffmpeg -c copy -f segment -segment_format
 * mpegts -reset_timestamps 0` does with the same stream, so what is sealed is the same:
 *
 * - packets go out in DTS order across the streams (ffmpeg's interleaving; equal DTS: video
 *   first), video from its first keyframe on;
 * - timestamps count from the first packet's DTS (ffmpeg's start-time shift), in 90 kHz, and the
 *   files carry them 1.4 s later (its MPEG-TS muxer's delay); the list's seconds do not;
 * - a segment ends before the first keyframe whose PTS reaches segmentSeconds × (segments ended
 *   + 1); its end is the furthest video PTS plus one frame (the frame rate from onMetaData).
 *
 * `probe` reads the stream's start and says whether this cutter knows it; what it read is kept,
 * so ffmpeg can be handed the stream from its first byte when it does not.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type AacConfig, adtsFrame, readAacConfig } from './adts.ts';
import { AnnexBWriter, readAvcConfig } from './avc-annexb.ts';
import { FLV_AUDIO, FLV_SCRIPT, FLV_VIDEO, FlvReader, type FlvTag, readAudioTag, readMetadata, readVideoTag } from './flv-demux.ts';
import { type CutterChoice, SEGMENT_LIST } from './segmenter-args.ts';
import { OutputArena } from './output-arena.ts';
import { AUDIO_PID, AUDIO_STREAM_ID, byteCount, PCR_LEAD, TsWriter, VIDEO_PID, VIDEO_STREAM_ID } from './ts-mux.ts';

/** ffmpeg's MPEG-TS muxer: timestamps in the files run this far (90 kHz) after the stream's origin */
const MUX_DELAY = 2 * PCR_LEAD;
/** ffmpeg's audio PES: frames gathered up to this many bytes, or this long (90 kHz) */
const AUDIO_PES_BYTES = 2930;
const AUDIO_PES_TICKS = PCR_LEAD / 2;
/** ffmpeg's max_interleave_delta: one stream waits for the other at most this long (ms) */
const INTERLEAVE_MS = 10_000;
/** without announced codecs, audio that has not begun by this far into the video is taken as absent */
const AUDIO_WAIT_MS = 1000;
/** a stream that has not shown a known video stream by this much is left to ffmpeg */
const PROBE_BYTES = 8 << 20;
const PROBE_AUDIO_ONLY_MS = 2000;
const WRAP_32 = 2 ** 32;
/**
 * What is cut waits in memory for one write until this much, this long, or the segment's end: a
 * write per piece of the tap costs more than the cutting, and what is only in memory when the
 * node dies is lost (recovery seals a file up to its last whole frame, partial-segment.ts). A new
 * segment's first frames are written at once: its first frame is whole on disk once the second
 * begins there, so a death just after a cut still leaves a segment to seal.
 */
const WRITE_BYTES = 256 << 10;
const WRITE_MS = 200;
const FRAMES_WRITTEN_AT_ONCE = 2;
/** how often, and how long in all, a file open waits for a descriptor */
const DESCRIPTOR_WAIT_MS = 100;
const DESCRIPTOR_PATIENCE_MS = 60_000;
const AAC_FRAME_SAMPLES = 1024;
const AAC_SAMPLE_RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];

/** av_rescale's rounding (AV_ROUND_NEAR_INF) */
function roundHalfAway(x: number): number {
  return Math.sign(x) * Math.round(Math.abs(x));
}

export class CutterFault extends Error {}

interface Packet {
  video: boolean;
  dts: number;
  pts: number;
  key: boolean;
  /** the frame's bytes, in the pieces it was found in */
  data: Buffer[];
}

type Output = { kind: 'bytes'; parts: Buffer[] } | { kind: 'open'; file: string } | { kind: 'close'; row: string };

/** FLV timestamps are 32-bit milliseconds; each stream's are carried on across a wrap. */
class Unwrapped {
  private last?: number;
  private epoch = 0;

  ms(raw: number): number {
    if (this.last !== undefined) {
      const d = raw - this.last;
      if (d < -WRAP_32 / 2) this.epoch += WRAP_32;
      else if (d > WRAP_32 / 2) this.epoch -= WRAP_32;
    }
    this.last = raw;
    return this.epoch + raw;
  }
}

/**
 * A file opened, waiting while the process is out of descriptors (a flood of connections): that
 * passes, and ffmpeg, a process with a table of its own, would not have failed either. The
 * stream waits in the tap meanwhile.
 */
async function opened(file: string, flags: string): Promise<fs.FileHandle> {
  for (let waited = 0; ; waited += DESCRIPTOR_WAIT_MS) {
    try {
      return await fs.open(file, flags);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if ((code !== 'EMFILE' && code !== 'ENFILE') || waited >= DESCRIPTOR_PATIENCE_MS) throw e;
      await sleep(DESCRIPTOR_WAIT_MS);
    }
  }
}

export class TsCutter {
  private readonly reader = new FlvReader();
  /** the stream's bytes read while probing, for ffmpeg if it gets the stream */
  private readonly probed: Buffer[] = [];
  private probedBytes = 0;
  private pending: FlvTag[] = [];
  private verdict?: { cutter: CutterChoice; reason?: string };
  private metadata?: ReturnType<typeof readMetadata>;
  private frameMs = 0;
  private avc?: AnnexBWriter;
  private aac?: AacConfig;
  private withAudio = false;
  private firstKeyDts?: number;
  private firstAudioDts?: number;
  private readonly videoTime = new Unwrapped();
  private readonly audioTime = new Unwrapped();
  private readonly queues: { video: Packet[]; audio: Packet[] } = { video: [], audio: [] };
  private raw: Packet[] = [];
  private firstVideoPts?: number;
  private firstAudioPts?: number;
  private startMs?: number;
  private audioSamplesEnd?: number;
  private shift = 0;
  private started = false;
  private sawKey = false;
  private origin = 0;
  // the segment being written, as ffmpeg's segment muxer counts
  private mux?: TsWriter;
  private segmentIndex = 0;
  private segmentsEnded = 0;
  private segmentFrames = 0;
  private startTime = 0;
  private endTime = 0;
  private lastDuration = 0;
  private audioPes?: { pts: number; frames: Buffer[]; bytes: number };
  private out: Output[] = [];
  /** memory of the packets in `out`, used again once they are written */
  private readonly arena = new OutputArena();
  private outBytes = 0;
  private file?: fs.FileHandle;
  private list?: fs.FileHandle;
  private wroteAt = 0;

  constructor(
    private readonly dir: string,
    private readonly segmentSeconds: number,
  ) {}

  /** The bytes probing read, to replay to ffmpeg when it gets the stream. */
  get probedChunks(): readonly Buffer[] {
    return this.probed;
  }

  /**
   * Reads the stream's start until it is clear which cutter it needs: this one for H.264 video
   * with AAC or no audio, ffmpeg for anything else, and for a stream that ends (or shows no
   * video) before that is clear.
   */
  async probe(source: AsyncIterator<Buffer>): Promise<{ cutter: CutterChoice; reason?: string }> {
    while (!this.verdict) {
      const next = await source.next();
      if (next.done) return (this.verdict = { cutter: 'ffmpeg', reason: 'the stream ended before its codecs were known' });
      const chunk = next.value;
      this.probed.push(chunk);
      this.probedBytes += chunk.length;
      let tags: FlvTag[];
      try {
        tags = this.reader.push(chunk);
      } catch (e) {
        return (this.verdict = { cutter: 'ffmpeg', reason: (e as Error).message });
      }
      for (const tag of tags) {
        this.pending.push(tag);
        if (!this.verdict) this.judge(tag);
      }
      if (!this.verdict && this.probedBytes > PROBE_BYTES) this.verdict = { cutter: 'ffmpeg', reason: 'no H.264 video in the first 8 MiB' };
    }
    return this.verdict;
  }

  private judge(tag: FlvTag): void {
    const refuse = (reason: string) => (this.verdict = { cutter: 'ffmpeg', reason });
    try {
      if (tag.type === FLV_SCRIPT) {
        this.metadata = readMetadata(tag.data) ?? this.metadata;
        if (this.metadata && !this.metadata.hasVideo && this.metadata.hasAudio) refuse('audio without video');
      } else if (tag.type === FLV_VIDEO) {
        const v = readVideoTag(tag.data);
        if (v?.kind === 'unsupported') return void refuse(v.codec);
        if (v?.kind === 'avc-config') this.avc = new AnnexBWriter(readAvcConfig(v.config));
        if (v?.kind === 'avc-frame' && v.key && this.avc) this.firstKeyDts ??= tag.timestamp;
      } else if (tag.type === FLV_AUDIO) {
        const a = readAudioTag(tag.data);
        if (a?.kind === 'unsupported') return void refuse(a.codec);
        if (a?.kind === 'aac-config') this.aac = readAacConfig(a.config);
        if (a?.kind === 'aac-frame') this.firstAudioDts ??= tag.timestamp;
      }
    } catch (e) {
      return void refuse((e as Error).message);
    }
    if (this.firstKeyDts === undefined) {
      if (this.firstAudioDts !== undefined && tag.timestamp - this.firstAudioDts >= PROBE_AUDIO_ONLY_MS) refuse('audio without video');
      return;
    }
    const audioKnown = this.aac !== undefined || (this.metadata !== undefined && !this.metadata.hasAudio) || tag.timestamp - this.firstKeyDts >= AUDIO_WAIT_MS;
    if (audioKnown) {
      this.withAudio = this.aac !== undefined;
      this.frameMs = this.metadata?.framerate ? Math.floor(1000 / this.metadata.framerate) : 0;
      this.verdict = { cutter: 'in-process' };
    }
  }

  /** Cuts the rest of the stream after a probe that chose this cutter; rejects on any fault. */
  async run(source: AsyncIterator<Buffer>): Promise<void> {
    try {
      this.list = await opened(path.join(this.dir, SEGMENT_LIST), 'a');
      const first = this.pending;
      this.pending = [];
      this.probed.length = 0;
      for (const tag of first) this.take(tag);
      await this.write();
      for (;;) {
        const next = await source.next();
        if (next.done) break;
        for (const tag of this.reader.push(next.value)) this.take(tag);
        if (
          this.outBytes > 0 &&
          (this.outBytes >= WRITE_BYTES || this.segmentFrames <= FRAMES_WRITTEN_AT_ONCE || performance.now() - this.wroteAt >= WRITE_MS || this.out.some((o) => o.kind === 'close'))
        ) {
          await this.write();
        }
      }
      this.retime(true);
      this.release(true);
      this.endSegment();
      await this.write();
    } finally {
      await this.file?.close().catch(() => undefined);
      await this.list?.close().catch(() => undefined);
    }
  }

  private take(tag: FlvTag): void {
    if (tag.type === FLV_VIDEO) {
      const v = readVideoTag(tag.data);
      if (v?.kind === 'unsupported') throw new CutterFault(`the stream changed codec: ${v.codec}`);
      if (v?.kind === 'avc-config') {
        const config = readAvcConfig(v.config);
        if (this.avc) this.avc.reconfigure(config);
        else this.avc = new AnnexBWriter(config);
      }
      if (v?.kind !== 'avc-frame' || !this.avc) return;
      const dts = this.videoTime.ms(tag.timestamp);
      this.firstVideoPts ??= dts + v.compositionMs;
      // as ffmpeg's stream copy: nothing before the first keyframe
      if (!v.key && !this.sawKey) return;
      this.sawKey = true;
      this.raw.push({ video: true, dts, pts: dts + v.compositionMs, key: v.key, data: this.avc.convert(v.data) });
    } else if (tag.type === FLV_AUDIO && this.withAudio) {
      const a = readAudioTag(tag.data);
      if (a?.kind === 'unsupported') throw new CutterFault(`the stream changed codec: ${a.codec}`);
      if (a?.kind === 'aac-config') this.aac = readAacConfig(a.config);
      if (a?.kind !== 'aac-frame' || !this.aac) return;
      const dts = this.audioTime.ms(tag.timestamp);
      this.firstAudioPts ??= dts;
      this.raw.push({ video: false, dts, pts: dts, key: true, data: [adtsFrame(this.aac, a.data)] });
    } else if (tag.type === FLV_SCRIPT) {
      this.metadata = readMetadata(tag.data) ?? this.metadata;
    }
    this.retime(false);
    this.release(false);
  }

  /**
   * Moves packets onto the 90 kHz time line once the stream's start time is known (ffmpeg's:
   * the earliest first PTS of its streams, which its command line subtracts). Audio timestamps
   * go through ffmpeg's av_rescale_delta: within a millisecond of where the last frame's samples
   * end, a frame starts exactly there, so its 90 kHz time is finer than FLV's milliseconds.
   */
  private retime(flush: boolean): void {
    if (this.startMs === undefined) {
      const video = this.firstVideoPts;
      const audio = this.firstAudioPts;
      const waited = this.raw.length > 0 && this.raw[this.raw.length - 1]!.dts - this.raw[0]!.dts > INTERLEAVE_MS;
      if (video === undefined && audio === undefined) return;
      if (!flush && !waited && (video === undefined || (this.withAudio && audio === undefined))) return;
      this.startMs = Math.min(video ?? Infinity, audio ?? Infinity);
    }
    for (const p of this.raw) {
      if (p.video) this.queues.video.push({ ...p, dts: (p.dts - this.startMs) * 90, pts: (p.pts - this.startMs) * 90 });
      else {
        const at = this.audioTicks(p.dts - this.startMs);
        this.queues.audio.push({ ...p, dts: at, pts: at });
      }
    }
    this.raw = [];
  }

  /** av_rescale_delta from milliseconds to 90 kHz through the sample clock, one AAC frame (1024 samples) a packet. */
  private audioTicks(ms: number): number {
    const rate = AAC_SAMPLE_RATES[this.aac!.sampleRateIndex]!;
    const last = this.audioSamplesEnd;
    const a = Math.floor(((2 * ms - 1) * rate) / 1000) >> 1;
    const b = (Math.ceil(((2 * ms + 1) * rate) / 1000) + 1) >> 1;
    if (last === undefined || last < 2 * a - b || last > 2 * b - a) {
      this.audioSamplesEnd = roundHalfAway((ms * rate) / 1000) + AAC_FRAME_SAMPLES;
      return ms * 90;
    }
    const at = Math.min(Math.max(last, a), b);
    this.audioSamplesEnd = at + AAC_FRAME_SAMPLES;
    return roundHalfAway((at * 90000) / rate);
  }

  /** Hands packets on in DTS order across the streams, as ffmpeg's interleaving does. */
  private release(flush: boolean): void {
    const { video, audio } = this.queues;
    for (;;) {
      let from: Packet[] | undefined;
      if (video.length > 0 && audio.length > 0) from = audio[0]!.dts < video[0]!.dts ? audio : video;
      else if (!this.withAudio || flush) from = video.length > 0 ? video : audio.length > 0 ? audio : undefined;
      else {
        const waiting = video.length > 0 ? video : audio;
        if (waiting.length > 0 && waiting[waiting.length - 1]!.dts - waiting[0]!.dts > INTERLEAVE_MS * 90) from = waiting;
      }
      if (!from) return;
      this.emit(from.shift()!);
    }
  }

  private emit(p: Packet): void {
    if (!this.started) {
      this.started = true;
      // ffmpeg's muxer moves a stream that would start before 0 to start at 0
      this.shift = Math.max(0, -p.dts);
      this.startSegment();
    }
    const pts = p.pts + this.shift;
    const dts = p.dts + this.shift;
    if (p.video) {
      const endUs = Math.round(this.segmentSeconds * 1e6) * (this.segmentsEnded + 1);
      if (p.key && this.segmentFrames > 0 && pts * 100 >= endUs * 9) {
        if (this.lastDuration === 0) this.endTime = pts * (1 / 90000);
        this.endSegment();
        this.startSegment();
        this.startTime = pts * (1 / 90000);
        this.endTime = this.startTime;
      }
      this.endTime = Math.max(this.endTime, (pts + this.frameMs * 90) * (1 / 90000));
      this.lastDuration = this.frameMs;
      this.segmentFrames++;
      if (p.key) this.bytes(this.mux!.tables());
      this.bytes(this.mux!.pes(VIDEO_PID, VIDEO_STREAM_ID, p.data, pts + MUX_DELAY, dts + MUX_DELAY, { key: p.key, pcr: dts + MUX_DELAY - PCR_LEAD }));
      return;
    }
    const pes = this.audioPes;
    const bytes = byteCount(p.data);
    if (pes && (pes.bytes + bytes > AUDIO_PES_BYTES || dts - pes.pts >= AUDIO_PES_TICKS)) this.flushAudio();
    if (bytes > AUDIO_PES_BYTES) return this.bytes(this.mux!.pes(AUDIO_PID, AUDIO_STREAM_ID, p.data, pts + MUX_DELAY, dts + MUX_DELAY, { key: true }));
    this.audioPes ??= { pts, frames: [], bytes: 0 };
    this.audioPes.frames.push(...p.data);
    this.audioPes.bytes += bytes;
  }

  private flushAudio(): void {
    const pes = this.audioPes;
    if (!pes) return;
    this.audioPes = undefined;
    const at = pes.pts + MUX_DELAY;
    this.bytes(this.mux!.pes(AUDIO_PID, AUDIO_STREAM_ID, pes.frames, at, at, { key: true }));
  }

  private startSegment(): void {
    this.mux = new TsWriter(this.withAudio, (n) => this.arena.take(n));
    this.segmentFrames = 0;
    this.out.push({ kind: 'open', file: `seg_${String(this.segmentIndex++).padStart(6, '0')}.ts` });
    this.bytes(this.mux.tables());
  }

  private endSegment(): void {
    if (!this.mux) return;
    this.flushAudio();
    this.mux = undefined;
    this.segmentsEnded++;
    const file = `seg_${String(this.segmentIndex - 1).padStart(6, '0')}.ts`;
    this.out.push({ kind: 'close', row: `${file},${this.startTime.toFixed(6)},${this.endTime.toFixed(6)}\n` });
  }

  private bytes(bytes: Buffer): void {
    const last = this.out[this.out.length - 1];
    if (last?.kind === 'bytes') last.parts.push(bytes);
    else this.out.push({ kind: 'bytes', parts: [bytes] });
    this.outBytes += bytes.length;
  }

  /** Does the file work of what was cut, in order: a row is listed only after its file is closed. */
  private async write(): Promise<void> {
    const out = this.out;
    this.out = [];
    this.outBytes = 0;
    this.wroteAt = performance.now();
    for (const o of out) {
      if (o.kind === 'open') this.file = await opened(path.join(this.dir, o.file), 'w');
      else if (o.kind === 'bytes') await this.file!.writev(o.parts);
      else {
        const file = this.file!;
        this.file = undefined;
        await file.close();
        await this.list!.write(o.row);
      }
    }
    this.arena.recycle();
  }
}

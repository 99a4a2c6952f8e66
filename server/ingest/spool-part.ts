/**
 * One uninterrupted stretch of a recording (a "part"): it owns its segmenter (liuhen's in-process
 * cutter or an ffmpeg process, which write the same spool folder) and its spool folder, and hands
 * over finished segments in order. It decides nothing and never deletes a segment before the
 * sealer has taken it (PeerTube's muxing session, minus the deleting).
 */
import { type FSWatcher, watch } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { type FfmpegProcess, runFfmpeg } from '../media/ffmpeg-runner.ts';
import { everyPacketInSync, TS_PACKET_BYTES } from '../media/ts-continuity.ts';
import {
  type CutterChoice,
  parseSegmentList,
  SEGMENT_FILE,
  SEGMENT_LIST,
  SEGMENT_PATTERN,
  type SegmenterInput,
  type SegmentListRow,
  segmenterInputOptions,
  segmenterOutputOptions,
} from '../media/segmenter-args.ts';
import { TsCutter } from '../media/ts-cutter.ts';
import { partialSegment } from '../media/partial-segment.ts';

export interface ReadySegment extends SegmentListRow {
  path: string;
  /** when liuhen saw the segment complete; seal latency is measured from here */
  seenAt: number;
  /**
   * A file its segmenter died writing, which has no row: what of it is sealed (its prefix up to
   * the last whole frame, empty when it holds none). Its start is where the row before ended, its
   * end that of its last whole frame, or of the last frame it began when none is whole.
   */
  cutShort?: { kept: Buffer };
}

/** inotify wakes the reader when ffmpeg appends a row; the slow poll only covers a lost event. */
const FALLBACK_POLL_MS = 1000;

/** Follows a part's segment list; `exited` says when no more rows can come. */
export async function* followSegmentList(dir: string, exited: () => boolean): AsyncGenerator<ReadySegment> {
  const file = path.join(dir, SEGMENT_LIST);
  let offset = 0;
  let pending = '';
  let wake: (() => void) | undefined;
  // Segment files change many times a second; only the list's changes mean a segment is ready.
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dir, (_event, name) => {
      if (name === SEGMENT_LIST) wake?.();
    });
    watcher.on('error', () => undefined);
  } catch {
    // A folder gone after a crash: nothing will be appended, the poll ends the loop.
  }
  try {
    for (;;) {
      const changed = new Promise<void>((resolve) => (wake = resolve));
      const finished = exited();
      // Out of descriptors or an I/O error: the list is still there; read it again shortly.
      const chunk = await readFrom(file, offset).catch(() => undefined);
      if (chunk === undefined) {
        await sleep(FALLBACK_POLL_MS);
        continue;
      }
      offset += chunk.length;
      pending += chunk.toString('utf8');
      const { rows, consumed } = parseSegmentList(pending);
      pending = pending.slice(consumed);
      const seenAt = performance.now();
      for (const row of rows) yield { ...row, path: path.join(dir, row.file), seenAt };
      // Read once more after exit was seen, so rows written just before it are not lost.
      if (finished && chunk.length === 0) return;
      if (rows.length === 0) await Promise.race([changed, sleep(exited() ? 0 : FALLBACK_POLL_MS)]);
    }
  } finally {
    watcher?.close();
  }
}

async function readFrom(file: string, offset: number): Promise<Buffer> {
  let fh;
  try {
    fh = await fs.open(file, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return Buffer.alloc(0);
    throw e;
  }
  try {
    const { size } = await fh.stat();
    if (size <= offset) return Buffer.alloc(0);
    const buf = Buffer.alloc(size - offset);
    await fh.read(buf, 0, buf.length, offset);
    return buf;
  } finally {
    await fh.close();
  }
}

/**
 * Why a finished spool segment must not be sealed as evidence, or undefined when it is whole:
 * a segment the muxer closed after a failed write (a full disk) is listed but cut short.
 */
export function segmentDefect(bytes: Buffer): 'empty' | 'partial_packet' | 'lost_sync' | undefined {
  if (bytes.length === 0) return 'empty';
  if (bytes.length % TS_PACKET_BYTES !== 0) return 'partial_packet';
  return everyPacketInSync(bytes) ? undefined : 'lost_sync';
}

export interface SegmenterSettings {
  ffmpegPath: string;
  segmentSeconds: number;
  /** for an FLV stream; one the in-process cutter does not know goes to ffmpeg all the same */
  cutter: CutterChoice;
}

export class SpoolPart {
  private ffmpeg?: FfmpegProcess;
  private exited = false;
  private dead = false;
  readonly finished: Promise<void>;
  private resolveFinished!: () => void;
  failure?: Error;

  constructor(
    readonly recordingId: string,
    readonly partNo: number,
    readonly dir: string,
    readonly wallStart: Date,
    /** the recording its segments are sealed into; a roll-over changes it */
    public sealingInto: string = recordingId,
  ) {
    this.finished = new Promise((r) => (this.resolveFinished = r));
  }

  /**
   * Starts the segmenter on `input`, a live stream in `inputFormat`; resolves with the pid of the
   * ffmpeg that writes the part's folder, null when the in-process cutter writes it (it dies with
   * this process: nothing outlives it to wait for), or -1 when it could not start (then `failure`
   * says why and the part is finished: the caller decides whether to try again). A failure of
   * either segmenter finishes the part the same way.
   */
  async start(input: Readable, inputFormat: SegmenterInput, settings: SegmenterSettings): Promise<number | null> {
    try {
      await fs.mkdir(this.dir, { recursive: true });
    } catch (e) {
      this.failure = e as Error;
      this.markExited();
      return -1;
    }
    if (inputFormat !== 'flv' || settings.cutter === 'ffmpeg') return this.startFfmpeg(input, inputFormat, settings);
    const cutter = new TsCutter(this.dir, settings.segmentSeconds);
    const source = input[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    let verdict;
    try {
      verdict = await cutter.probe(source);
    } catch (e) {
      // the tap itself failed: nothing more will come from it
      this.failure = e as Error;
      this.markExited();
      return -1;
    }
    if (verdict.cutter === 'ffmpeg') return this.startFfmpeg(replay(cutter.probedChunks, source), inputFormat, settings);
    cutter
      .run(source)
      .catch((e: Error) => {
        this.failure = e;
        // what the publisher goes on sending is read and let go until the part is retapped
        input.on('error', () => undefined).resume();
      })
      .finally(() => this.markExited());
    return null;
  }

  private startFfmpeg(input: Readable, inputFormat: SegmenterInput, settings: SegmenterSettings): Promise<number> {
    this.ffmpeg = runFfmpeg(settings.ffmpegPath, {
      input,
      inputFormat,
      inputOptions: segmenterInputOptions(),
      outputOptions: segmenterOutputOptions({ segmentSeconds: settings.segmentSeconds }),
      output: SEGMENT_PATTERN,
      cwd: this.dir,
      live: true,
    });
    this.ffmpeg.done.catch((e: Error) => (this.failure = e)).finally(() => this.markExited());
    return Promise.race([
      this.ffmpeg.started,
      this.ffmpeg.done.then(
        () => -1,
        () => -1,
      ),
    ]);
  }

  /** whether its segmenter is still writing */
  get running(): boolean {
    return !this.exited;
  }

  /** No more rows can come: its segmenter ended, never started, or is not this process's (a part found on disk after a crash). */
  markExited(): void {
    this.exited = true;
    this.resolveFinished();
  }

  /** For a part whose segmenter died with it (a node killed, the power lost): its last file may be cut short. */
  markDead(): void {
    this.dead = true;
    this.markExited();
  }

  /** "<recording>/<part>/<file>": what the ledger records a segment was sealed from */
  source(seg: SegmentListRow): string {
    return `${this.recordingId}/${this.partNo}/${seg.file}`;
  }

  /** When a segment starts by the wall clock: the part's start plus its offset from the part's first segment (`firstSeconds`). */
  startAt(seg: SegmentListRow, firstSeconds: number): Date {
    return new Date(this.wallStart.getTime() + Math.round((seg.startSeconds - firstSeconds) * 1000));
  }

  /** Its segments as they are listed; after them, for a part whose segmenter died, the files it left without a row. */
  async *segments(): AsyncGenerator<ReadySegment> {
    let last: ReadySegment | undefined;
    for await (const seg of followSegmentList(this.dir, () => this.exited)) {
      last = seg;
      yield seg;
    }
    if (this.dead) yield* cutShortSegments(this.dir, last);
  }

  kill(): void {
    this.ffmpeg?.kill('SIGKILL');
  }
}

/**
 * The segment files after the last listed one (`after`), as rows: the one its segmenter was
 * writing when it died, cut at its last whole frame. A folder or file that cannot be read yields
 * nothing; the file stays in the spool, which keeps a folder with media in it for a person.
 */
async function* cutShortSegments(dir: string, after: ReadySegment | undefined): AsyncGenerator<ReadySegment> {
  const files = (await fs.readdir(dir).catch(() => [] as string[])).filter((f) => SEGMENT_FILE.test(f) && (after === undefined || f > after.file)).sort();
  let startSeconds = after?.endSeconds ?? 0;
  for (const file of files) {
    const bytes = await fs.readFile(path.join(dir, file)).catch(() => undefined);
    if (bytes === undefined) return;
    const partial = partialSegment(bytes);
    // opened and no frame begun: nothing of the camera's is in it
    if (partial.begun === 0) continue;
    const seconds = partial.kept.length > 0 ? partial.keptSeconds : partial.begunSeconds;
    yield { file, startSeconds, endSeconds: startSeconds + seconds, path: path.join(dir, file), seenAt: performance.now(), cutShort: { kept: partial.kept } };
    startSeconds += seconds;
  }
}

/** The stream from its first byte: what probing read, then the rest as it comes. */
function replay(read: readonly Buffer[], rest: AsyncIterator<Buffer>): Readable {
  return Readable.from(
    (async function* () {
      yield* read;
      for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
    })(),
    { objectMode: false },
  );
}

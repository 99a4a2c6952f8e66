/**
 * Decides whether a finished upload is a recording liuhen can seal, and stages it: checksum,
 * ffprobe, a full decode, a `-c copy` remux into segments with the live segmenter's own muxer
 * settings, and a duration check — or, for a photo, a decode and a copy as received (stagePhoto).
 * Nothing is sealed here; a refusal names its reason.
 *
 * Errors in the decode do not refuse a recording: damaged media is what the device produced, and
 * refusing it would lose the rest. Its coded pictures and sound go into the segments byte for byte
 * (`-c copy`), damage included, and the recording is flagged with the count.
 *
 * The remux is deterministic (same file, same ffmpeg → same segment bytes), so after a crash the
 * file is simply remuxed again and segments already in the store are found byte-identical.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { DECODE_CHECK_OUTPUT, decodeErrorsIn, decodeCheckArgs } from '../media/decode-check-args.ts';
import { FfmpegFailed, runFfmpeg } from '../media/ffmpeg-runner.ts';
import { type MediaProbe, probeMedia } from '../media/probe.ts';
import { fileSegmenterInputOptions, parseSegmentList, SEGMENT_LIST, SEGMENT_PATTERN, type SegmentListRow, segmenterOutputOptions } from '../media/segmenter-args.ts';
import { looksLikeContainer } from './container-sniff.ts';
import { sha256OfFile } from './part-file.ts';
import { type PhotoFormat, photoFormatOf } from './photo-format.ts';

export type RefusalReason = 'not_media' | 'truncated' | 'corrupt' | 'checksum_mismatch';

/** What each refusal means, for the device's operator (the code is for the device). */
export const REFUSAL_TEXT: Record<RefusalReason, string> = {
  not_media: 'the file is not a video, sound recording or photo (JPEG, PNG) liuhen can read',
  truncated: 'the file is cut short: part of the recording is missing',
  corrupt: 'the file is damaged where its recording cannot be split into segments',
  checksum_mismatch: 'the bytes received differ from the declared sha256',
};

export interface StagedRecording {
  ok: true;
  /** of the whole file as received */
  sha256: string;
  dir: string;
  /** in order; each a file in `dir` */
  segments: SegmentListRow[];
  /** errors a full decode reported: 0 for an intact recording */
  decodeErrors: number;
  /** a sound recording (录音) without pictures: sealed alike, but it cannot carry a forensic mark */
  audioOnly: boolean;
  /** a photograph (照相): its one segment is the file as received, EXIF and all (photo-format.ts) */
  photo: PhotoFormat | null;
}

export type CheckOutcome = StagedRecording | { ok: false; reason: RefusalReason; detail: string; sha256: string };

export interface CheckSettings {
  ffmpegPath: string;
  segmentSeconds: number;
}

/** Containers cameras write (ffprobe's names); image sequences, text and the like are not recordings. */
const RECORDING_FORMATS = new Set(['mov', 'mp4', 'mpegts', 'matroska', 'webm', 'flv', 'avi', 'mpeg']);

/** How far the segments' total may stray from the probed duration: container rounding, not missing media. */
const durationTolerance = (seconds: number) => Math.max(1, seconds * 0.02);

export async function checkAndStage(file: string, stagingDir: string, declaredSha256: string | undefined, s: CheckSettings): Promise<CheckOutcome> {
  const sha256 = await sha256OfFile(file);
  const refuse = (reason: RefusalReason, detail: string): CheckOutcome => ({ ok: false, reason, detail: detail.slice(0, 500), sha256 });
  if (declaredSha256 && declaredSha256 !== sha256) return refuse('checksum_mismatch', `declared ${declaredSha256}, received ${sha256}`);

  const probed = await probeMedia(s.ffmpegPath, file);
  if (!probed.ok) return refuse(looksLikeContainer(await head(file)) ? 'truncated' : 'not_media', probed.stderr.trim());
  const photo = photoFormatOf(probed.probe);
  if (photo) return stagePhoto(file, stagingDir, sha256, photo, s.ffmpegPath);
  const seconds = durationOf(probed.probe);
  if (!probed.probe.format.format_name.split(',').some((f) => RECORDING_FORMATS.has(f))) return refuse('not_media', `container ${probed.probe.format.format_name}`);
  // 音像记录 is 照相、录音、录像: a voice recorder's file is evidence like a camera's.
  const audioOnly = !probed.probe.streams.some((st) => st.codec_type === 'video');
  if (audioOnly && !probed.probe.streams.some((st) => st.codec_type === 'audio')) return refuse('not_media', 'no video or audio stream');
  if (!(seconds > 0)) return refuse('not_media', 'no duration');

  const decodeErrors = await decodeCheck(file, s.ffmpegPath, audioOnly);
  const remuxed = await remux(file, stagingDir, { ...s, audioOnly });
  if (!remuxed.ok) return refuse('corrupt', remuxed.stderr.trim());
  const first = remuxed.segments[0];
  const last = remuxed.segments[remuxed.segments.length - 1];
  if (!first || !last) return refuse('corrupt', 'no segment came out');
  const total = last.endSeconds - first.startSeconds;
  if (Math.abs(total - seconds) > durationTolerance(seconds)) return refuse('truncated', `segments hold ${total.toFixed(2)} s of ${seconds.toFixed(2)} s`);
  return { ok: true, sha256, dir: stagingDir, segments: remuxed.segments, decodeErrors, audioOnly, photo: null };
}

/**
 * A photo is not remuxed: its one segment is a copy of the file as received (a picture has no
 * stream to split, and re-muxing would drop its EXIF), lasting no time. Its decode is still
 * checked, so a damaged picture is flagged like damaged video.
 */
async function stagePhoto(file: string, dir: string, sha256: string, photo: PhotoFormat, ffmpegPath: string): Promise<CheckOutcome> {
  const decodeErrors = await decodeCheck(file, ffmpegPath, false);
  await fs.rm(dir, { recursive: true, force: true });
  await fs.mkdir(dir, { recursive: true });
  const copy = `photo.${photo.ext}`;
  await fs.copyFile(file, path.join(dir, copy));
  return { ok: true, sha256, dir, segments: [{ file: copy, startSeconds: 0, endSeconds: 0 }], decodeErrors, audioOnly: false, photo };
}

function durationOf(p: MediaProbe): number {
  return p.format.duration ?? Math.max(0, ...p.streams.map((st) => st.duration ?? 0));
}

async function head(file: string): Promise<Buffer> {
  const fh = await fs.open(file, 'r');
  try {
    const { buffer, bytesRead } = await fh.read(Buffer.alloc(512), 0, 512, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** Decodes the whole file and counts the errors; a decode that breaks off counts what it said. */
async function decodeCheck(file: string, ffmpegPath: string, audioOnly: boolean): Promise<number> {
  // Counted as they come: a badly damaged long recording can say millions of lines.
  let errors = 0;
  const ffmpeg = runFfmpeg(ffmpegPath, { input: file, ...decodeCheckArgs(audioOnly), output: DECODE_CHECK_OUTPUT, onStderrLine: (line) => (errors += decodeErrorsIn(line)) });
  try {
    await ffmpeg.done;
  } catch (e) {
    // Killed or not started, ffmpeg says nothing: that is no verdict on the file.
    if (!(e instanceof FfmpegFailed && errors > 0)) throw e;
  }
  return errors;
}

async function remux(file: string, dir: string, s: CheckSettings & { audioOnly: boolean }): Promise<{ ok: true; segments: SegmentListRow[] } | { ok: false; stderr: string }> {
  await fs.rm(dir, { recursive: true, force: true });
  await fs.mkdir(dir, { recursive: true });
  const ffmpeg = runFfmpeg(s.ffmpegPath, {
    input: file,
    inputOptions: fileSegmenterInputOptions(),
    outputOptions: segmenterOutputOptions({ segmentSeconds: s.segmentSeconds, audioOnly: s.audioOnly }),
    output: SEGMENT_PATTERN,
    cwd: dir,
  });
  try {
    await ffmpeg.done;
  } catch (e) {
    // Killed or not started, ffmpeg says nothing: that is no verdict on the file.
    if (e instanceof FfmpegFailed && e.stderr.trim()) return { ok: false, stderr: e.stderr };
    throw e;
  }
  return { ok: true, segments: parseSegmentList(await fs.readFile(path.join(dir, SEGMENT_LIST), 'utf8')).rows };
}

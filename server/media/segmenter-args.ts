/**
 * The one place that knows the ffmpeg command which cuts a live stream into evidence segments.
 * Pure: tested by table, without ffmpeg.
 *
 * - `-c copy`: an original is only ever remuxed, never re-encoded (001 §12: no editing).
 * - the segment muxer cuts at the first keyframe after each target duration, so every segment
 *   starts with a keyframe, and appends "file,start,end" to a CSV list only once the segment is
 *   complete: that list is how liuhen learns a segment is ready to seal, also after a crash.
 */
export const SEGMENT_LIST = 'segments.csv';
export const SEGMENT_PATTERN = 'seg_%06d.ts';
/** a name SEGMENT_PATTERN makes */
export const SEGMENT_FILE = /^seg_\d{6}\.ts$/;

/** The containers a live stream reaches the segmenter in: FLV from RTMP, MPEG-TS from an RTSP pull. */
export type SegmenterInput = 'flv' | 'mpegts';

/** What cuts a live FLV stream: liuhen itself (server/media/ts-cutter.ts) or an ffmpeg process. */
export type CutterChoice = 'in-process' | 'ffmpeg';

export interface SegmenterSettings {
  segmentSeconds: number;
  /** a sound recording without pictures (a voice recorder's file): its audio is all there is to map */
  audioOnly?: boolean;
}

export function segmenterInputOptions(): string[] {
  return ['-hide_banner', '-nostdin', '-loglevel', 'error', '-fflags', '+genpts'];
}

/**
 * A finished file (an offline recording) instead of a live stream, cut with the same output
 * options. `-xerror` turns a read or packet error into a non-zero exit: the runner reports only
 * the exit, and a damaged file must fail rather than come out silently short.
 */
export function fileSegmenterInputOptions(): string[] {
  return ['-hide_banner', '-nostdin', '-loglevel', 'error', '-xerror'];
}

/**
 * Audio and video only: node-media-server's FLV carries the metadata as a data stream that gets
 * no further packets, and the muxer would hold everything back for it (max_interleave_delta, 10 s).
 * A sound recording maps its audio alone: `0:v` would match nothing and fail the command.
 */
export function mediaStreamMaps(audioOnly: boolean): string[] {
  return audioOnly ? ['-map', '0:a'] : ['-map', '0:v', '-map', '0:a?'];
}

export function segmenterOutputOptions(s: SegmenterSettings): string[] {
  return [
    ...mediaStreamMaps(s.audioOnly ?? false),
    '-c',
    'copy',
    '-f',
    'segment',
    '-segment_time',
    String(s.segmentSeconds),
    '-segment_format',
    'mpegts',
    '-segment_list',
    SEGMENT_LIST,
    '-segment_list_type',
    'csv',
    '-reset_timestamps',
    '0',
  ];
}

export interface SegmentListRow {
  file: string;
  startSeconds: number;
  endSeconds: number;
}

/** Parses complete lines of the CSV list; a trailing partial line is left for the next read. */
export function parseSegmentList(text: string): { rows: SegmentListRow[]; consumed: number } {
  const rows: SegmentListRow[] = [];
  let consumed = 0;
  for (;;) {
    const nl = text.indexOf('\n', consumed);
    if (nl < 0) break;
    const line = text.slice(consumed, nl).trim();
    consumed = nl + 1;
    if (!line) continue;
    const [file, start, end] = line.split(',');
    if (!file || !SEGMENT_FILE.test(file) || start === undefined || end === undefined) throw new Error(`unexpected segment list line: ${line}`);
    rows.push({ file, startSeconds: Number(start), endSeconds: Number(end) });
  }
  return { rows, consumed };
}

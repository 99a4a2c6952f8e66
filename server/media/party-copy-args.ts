/**
 * The ffmpeg command of a party copy: the forensically marked replay variants chosen by the export's
 * codeword, joined, with a burned-in visible watermark, into one H.264/AAC MP4 that starts playing
 * before it has all arrived (faststart). Pure: the filter text and options only.
 *
 * - The variants are joined by the concat demuxer, which lays each file after the one before
 *   whatever its own timestamps (a recording continued after a gap restarts them).
 * - Font and text are named relative to ffmpeg's working folder, where the job links them: no
 *   path ever needs filter escaping, and the text (a recipient's name) is never parsed by ffmpeg.
 * - `-fps_mode passthrough`: frame n of the copy is frame n of the variants, so a frame of the copy
 *   lines up with the same frame of the original.
 * - CRF 20 keeps the ±2-level forensic mark well above the encoder's noise.
 * - Audio is re-encoded: the segments' AAC frames do not join gap-free in an MP4 when copied.
 */
import type { FfmpegArgs } from './rendition-args.ts';

export const CONCAT_LIST = 'parts.txt';
export const WATERMARK_FONT = 'watermark-font';
export const WATERMARK_TEXT = 'watermark.txt';
export const PROGRESS_FILE = 'progress.txt';

/**
 * Centred near the bottom on a dark box, 1/24 of the frame high per line: readable on any
 * picture, and hard to crop away without losing the picture's lower part. A portrait picture
 * (a phone or a camera worn sideways) is narrow for its height: there the size follows the width
 * (1/32 of it, room for the longer line's ~25 em), or the lines would run off both sides.
 * Quoted: the comma would otherwise end the filter.
 */
export const WATERMARK_FILTER = [
  `drawtext=fontfile=${WATERMARK_FONT}:textfile=${WATERMARK_TEXT}`,
  "fontsize='min(h/24,w/32)':fontcolor=white@0.9:line_spacing=6",
  'box=1:boxcolor=black@0.5:boxborderw=10',
  'x=(w-text_w)/2:y=h-text_h-h/16',
].join(':');

export function partyCopyArgs(): FfmpegArgs {
  return {
    inputFormat: 'concat',
    inputOptions: ['-hide_banner', '-nostdin', '-loglevel', 'error', '-progress', PROGRESS_FILE, '-stats_period', '0.5'],
    outputOptions: [
      '-map',
      '0:v:0',
      '-map',
      '0:a?',
      '-vf',
      WATERMARK_FILTER,
      '-fps_mode',
      'passthrough',
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-profile:v',
      'high',
      '-pix_fmt',
      'yuv420p',
      '-crf',
      '20',
      '-c:a',
      'aac',
      '-b:a',
      '128k',
      '-movflags',
      '+faststart',
      '-f',
      'mp4',
    ],
  };
}

/** The lines of the concat demuxer's list: plain names in the working folder need no quoting. */
export function concatList(files: string[]): string {
  return files.map((f) => `file ${f}\n`).join('');
}

/** 仅供…使用: who the copy is for, under which approval, when, and which export it is. */
export function watermarkText(w: { recipient: string; approvalNo: string; date: string; exportId: string }): string {
  return `仅供 ${w.recipient} 使用  审批编号 ${w.approvalNo}\n${w.date}  导出编号 ${w.exportId}`;
}

/**
 * The decode a trace compares pictures with: every frame, shrunk to a tiny grey image. Averaging
 * a frame down to 64×36 keeps the forensic mark (four periods across, three down) and the scene's
 * layout, and averages away most coding noise and the leak's own resolution, so a leak and the
 * originals are comparable pixel for pixel. Pure: tested by table, without ffmpeg.
 */
import type { FfmpegArgs } from './rendition-args.ts';

export const GREY_WIDTH = 64;
export const GREY_HEIGHT = 36;

/** A leak that does not show the whole picture is decoded again at twice the size, so it can be mapped onto the recording's grid when cropped or shrunk (server/forensic/geometry.ts). */
export const LEAK_GREY_WIDTH = 2 * GREY_WIDTH;
export const LEAK_GREY_HEIGHT = 2 * GREY_HEIGHT;

export function greyFramesArgs(size: { width: number; height: number } = { width: GREY_WIDTH, height: GREY_HEIGHT }): FfmpegArgs {
  return {
    inputOptions: ['-hide_banner', '-nostdin', '-loglevel', 'error'],
    outputOptions: [
      '-map',
      '0:v:0',
      '-vf',
      `scale=${size.width}:${size.height}:flags=area,format=gray`,
      // One picture out for each picture in, so frame n of a leak lines up with frame n + offset of the originals.
      '-fps_mode',
      'passthrough',
      '-f',
      'rawvideo',
    ],
  };
}

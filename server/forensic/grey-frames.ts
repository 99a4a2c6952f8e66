/** Decodes a video into tiny grey frames (server/media/grey-frames-args.ts) held in memory. */
import type { Readable } from 'node:stream';
import { Writable } from 'node:stream';
import { runFfmpeg } from '../media/ffmpeg-runner.ts';
import { GREY_HEIGHT, GREY_WIDTH, greyFramesArgs } from '../media/grey-frames-args.ts';

export const FRAME_PIXELS = GREY_WIDTH * GREY_HEIGHT;

export async function decodeGreyFrames(ffmpegPath: string, input: string | Readable): Promise<Uint8Array[]> {
  const chunks: Buffer[] = [];
  const output = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
  await runFfmpeg(ffmpegPath, { ...greyFramesArgs(), input, output }).done;
  const all = Buffer.concat(chunks);
  const frames: Uint8Array[] = [];
  for (let at = 0; at + FRAME_PIXELS <= all.length; at += FRAME_PIXELS) frames.push(all.subarray(at, at + FRAME_PIXELS));
  return frames;
}

/** Decodes a video into tiny grey frames (server/media/grey-frames-args.ts) held in memory. */
import type { Readable } from 'node:stream';
import { Writable } from 'node:stream';
import { runFfmpeg } from '../media/ffmpeg-runner.ts';
import { GREY_HEIGHT, GREY_WIDTH, greyFramesArgs } from '../media/grey-frames-args.ts';

/** `size`: the recording's grid unless given (a leak's is finer: LEAK_GREY_WIDTH). */
export async function decodeGreyFrames(ffmpegPath: string, input: string | Readable, size = { width: GREY_WIDTH, height: GREY_HEIGHT }): Promise<Uint8Array[]> {
  const chunks: Buffer[] = [];
  const output = new Writable({
    // fluent-ffmpeg fails a run whose output stream closes more than 20 ms before ffmpeg exits,
    // as happens on a loaded machine ("Output stream closed"): this stream never closes.
    emitClose: false,
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
  await runFfmpeg(ffmpegPath, { ...greyFramesArgs(size), input, output }).done;
  const pixels = size.width * size.height;
  const all = Buffer.concat(chunks);
  const frames: Uint8Array[] = [];
  for (let at = 0; at + pixels <= all.length; at += pixels) frames.push(all.subarray(at, at + pixels));
  return frames;
}

/**
 * A video's height, asked of ffprobe: marked variants are made at 720p, or smaller when the
 * original is (no upscaling — it would only spend bits). ffprobe's answer is checked like any
 * outside input.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { z } from 'zod';
import { ffprobeBeside } from './probe.ts';

const run = promisify(execFile);

const heightSchema = z.object({ streams: z.array(z.object({ height: z.number().int().positive() })).min(1, 'no video stream') });

export async function probeVideoHeight(ffmpegPath: string, file: string): Promise<number> {
  const { stdout } = await run(ffprobeBeside(ffmpegPath), ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=height', '-of', 'json', file], { timeout: 60_000 });
  return heightSchema.parse(JSON.parse(stdout)).streams[0]!.height;
}

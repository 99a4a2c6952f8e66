/**
 * The one place liuhen runs ffprobe: what container a file is, its streams, their size and duration.
 * ffprobe's output is outside input like any other and is checked with zod.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { z } from 'zod';
import { InvalidInput } from '../errors.ts';

const run = promisify(execFile);

/** ffprobe writes "N/A" where it does not know */
const seconds = z
  .string()
  .optional()
  .transform((s) => (s !== undefined && Number.isFinite(Number(s)) && Number(s) >= 0 ? Number(s) : undefined));

const probeSchema = z.object({
  format: z.object({ format_name: z.string(), duration: seconds }),
  streams: z.array(
    z.object({
      codec_type: z.string().optional(),
      codec_name: z.string().optional(),
      duration: seconds,
      height: z.number().int().positive().optional(),
      /** the stream's first timestamp: filters of a `-copyts` encode see times on this clock */
      start_time: seconds,
    }),
  ),
});
export type MediaProbe = z.infer<typeof probeSchema>;

export type ProbeResult = { ok: true; probe: MediaProbe } | { ok: false; stderr: string };

/** ffprobe of the same installation as ffmpeg: beside it when ffmpeg is given by path. */
export function ffprobeBeside(ffmpegPath: string): string {
  return ffmpegPath.includes('/') ? path.join(path.dirname(ffmpegPath), 'ffprobe') : 'ffprobe';
}

/** A file ffprobe cannot read is an answer, not a failure of liuhen; a missing or hung ffprobe is thrown. */
export async function probeMedia(ffmpegPath: string, file: string): Promise<ProbeResult> {
  try {
    const { stdout } = await run(ffprobeBeside(ffmpegPath), ['-v', 'error', '-show_format', '-show_streams', '-of', 'json', file], {
      maxBuffer: 16 * 1024 * 1024,
      timeout: 120_000,
    });
    const parsed = probeSchema.safeParse(JSON.parse(stdout));
    return parsed.success ? { ok: true, probe: parsed.data } : { ok: false, stderr: `unexpected ffprobe output: ${parsed.error.message}` };
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string; killed?: boolean };
    if (err.code === 'ENOENT' || err.killed) throw e;
    return { ok: false, stderr: err.stderr ?? err.message };
  }
}

/** A file's picture: its height, and its first timestamp (the clock filters with `-copyts` see). */
export async function probeVideo(ffmpegPath: string, file: string): Promise<{ height: number; startSeconds: number | undefined }> {
  const probed = await probeMedia(ffmpegPath, file);
  const video = probed.ok ? probed.probe.streams.find((s) => s.codec_type === 'video') : undefined;
  if (video?.height === undefined) throw new InvalidInput(`no video stream in ${path.basename(file)}: ${probed.ok ? 'none found' : probed.stderr}`);
  return { height: video.height, startSeconds: video.start_time };
}

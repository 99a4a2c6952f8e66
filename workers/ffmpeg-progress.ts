/**
 * How far an ffmpeg run is, read from the file its `-progress` option keeps appending to
 * (`out_time_us=` lines: microseconds of output written). The runner reports only the end, and an
 * export's encode is long enough that `liuhen export` should see it move.
 */
import fs from 'node:fs/promises';

const POLL_MS = 500;

/** Calls `report` with the fraction (0–1) of `totalMs` written, as it grows, until stopped. */
export function watchProgress(file: string, totalMs: number, report: (fraction: number) => Promise<void>): () => Promise<void> {
  let last = 0;
  const poll = async () => {
    // Absent until ffmpeg has opened its inputs.
    const text = await fs.readFile(file, 'utf8').catch(() => '');
    const us = Number([...text.matchAll(/^out_time_us=(\d+)$/gm)].at(-1)?.[1] ?? 0);
    const fraction = Math.min(1, us / 1000 / Math.max(totalMs, 1));
    if (fraction <= last) return;
    last = fraction;
    await report(fraction);
  };
  let polling = Promise.resolve();
  // Progress is advisory: a missed report must not fail the encode.
  const timer = setInterval(() => (polling = poll().catch(() => undefined)), POLL_MS);
  // Resolves after the last report, so none lands after what the caller reports next.
  return () => {
    clearInterval(timer);
    return polling;
  };
}

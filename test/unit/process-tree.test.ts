/**
 * The benches' CPU meter counts a server's short-lived children: a worker's ffmpeg runs for a
 * fraction of a second, between two of the meter's once-a-second samples, and bench:costs's
 * worker CPU per segment is made of such runs.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { watchTree } from '../../loadtest/lib/process-tree.ts';

/** A child that spends 0.2 s of CPU time (not wall time: a busy machine only makes it take longer). */
const BUSY = 'const t = process.cpuUsage(); for (let u = t; u.user + u.system < 200_000; u = process.cpuUsage(t));';

describe('the process tree CPU meter', () => {
  it('counts children that start and end between two samples', async () => {
    const meter = watchTree(process.pid);
    const started = performance.now();
    for (let i = 0; i < 4; i++) await promisify(execFile)(process.execPath, ['-e', BUSY]);
    const usage = meter.stop();
    const cpuSeconds = (usage.cpuPercent / 100) * ((performance.now() - started) / 1000);
    // 4 × 0.2 s spent by the children, whatever else this process spent on top.
    expect(cpuSeconds).toBeGreaterThanOrEqual(0.8);
  }, 60_000);
});

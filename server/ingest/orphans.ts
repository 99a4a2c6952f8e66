/**
 * A segmenter started by a server that was killed keeps running until its input pipe closes and it
 * has written its last segment. Recovery waits for it (identified by pid AND working directory, so
 * a recycled pid is never waited on or killed) before reading the part's segment list.
 */
import fs from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

async function isSegmenterOf(pid: number, dir: string): Promise<boolean> {
  try {
    return (await fs.readlink(`/proc/${pid}/cwd`)) === dir;
  } catch {
    return false;
  }
}

export async function waitForOrphan(pid: number, dir: string, timeoutMs = 15_000): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (await isSegmenterOf(pid, dir)) {
    if (performance.now() > until) {
      process.kill(pid, 'SIGKILL');
      await sleep(200);
      return;
    }
    await sleep(100);
  }
}

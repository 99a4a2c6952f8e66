import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Publishers {
  /** publishers that exited before being stopped (a refused or dropped stream) */
  failed(): number;
  stop(): Promise<void>;
}

/** N looped `-c copy` publishers of `clip`, started 100 ms apart so they do not all connect at once. */
export async function startPublishers(clip: string, urls: string[]): Promise<Publishers> {
  const children: ChildProcess[] = [];
  let failed = 0;
  let stopping = false;
  for (const url of urls) {
    const child = spawn('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-re', '-stream_loop', '-1', '-i', clip, '-c', 'copy', '-f', 'flv', url], { stdio: 'ignore' });
    child.on('exit', () => {
      if (!stopping) failed++;
    });
    children.push(child);
    await sleep(100);
  }
  return {
    failed: () => failed,
    stop: async () => {
      stopping = true;
      await Promise.all(
        children.map((c) => new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once('exit', () => resolve());
          c.kill('SIGINT');
        })),
      );
    },
  };
}

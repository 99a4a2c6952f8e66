import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Publishers {
  /** publishers that exited before being stopped (a refused or dropped stream) */
  failed(): number;
  /** media seconds the publishers actually sent (ffmpeg's own progress), which lags wall time on a saturated machine */
  sentSeconds(): number;
  stop(): Promise<void>;
}

/** N looped `-c copy` publishers of `clip`, started 100 ms apart so they do not all connect at once. */
export async function startPublishers(clip: string, urls: string[]): Promise<Publishers> {
  const children: ChildProcess[] = [];
  const sent: number[] = [];
  let failed = 0;
  let stopping = false;
  for (const [i, url] of urls.entries()) {
    const child = spawn('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-nostats', '-progress', 'pipe:1', '-re', '-stream_loop', '-1', '-i', clip, '-c', 'copy', '-f', 'flv', url], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    sent[i] = 0;
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith('out_time_us=') && /^\d+$/.test(line.slice(12))) sent[i] = Number(line.slice(12)) / 1e6;
    });
    child.on('exit', () => {
      if (!stopping) failed++;
    });
    children.push(child);
    await sleep(100);
  }
  return {
    failed: () => failed,
    sentSeconds: () => sent.reduce((a, b) => a + b, 0),
    stop: async () => {
      stopping = true;
      await Promise.all(
        children.map(
          (c) =>
            new Promise<void>((resolve) => {
              if (c.exitCode !== null || c.signalCode !== null) return resolve();
              c.once('exit', () => resolve());
              c.kill('SIGINT');
            }),
        ),
      );
    },
  };
}

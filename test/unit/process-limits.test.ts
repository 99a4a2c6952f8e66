/** The descriptor-limit fallback against a real process started with a soft limit below its hard one. */
import { spawn } from 'node:child_process';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { raiseFdLimit, readFdLimit } from '../../server/observability/process-limits.ts';

describe('descriptor limit', () => {
  it('raises the soft limit of a process to its hard limit', async () => {
    const child = spawn('prlimit', ['--nofile=100:300', 'sleep', '30'], { stdio: 'ignore' });
    try {
      await new Promise((resolve) => child.once('spawn', resolve));
      // prlimit execs sleep: same pid, once the limit is set
      await expect.poll(() => readFdLimit(child.pid!)).toEqual({ soft: 100, hard: 300 });
      expect(await raiseFdLimit(child.pid!, pino({ level: 'silent' }))).toEqual({ soft: 300, hard: 300 });
      expect(await readFdLimit(child.pid!)).toEqual({ soft: 300, hard: 300 });
    } finally {
      child.kill('SIGKILL');
    }
  });
});

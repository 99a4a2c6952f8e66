/** A job's own folder under the worker's scratch space, gone when the work ends, failed or not. */
import fs from 'node:fs/promises';
import path from 'node:path';

export async function withScratchDir<T>(workDir: string, work: (dir: string) => Promise<T>): Promise<T> {
  await fs.mkdir(workDir, { recursive: true });
  const dir = await fs.mkdtemp(path.join(workDir, 'job-'));
  try {
    return await work(dir);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

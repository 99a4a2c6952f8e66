/**
 * Two nodes starting at once on one keys folder (test/cluster/device-lease.test.ts starts its two
 * together): whichever writes a key, the other must only ever read it whole. Keys are a few hundred
 * bytes, so the window is tiny; files of a MiB widen it until the race shows on every run.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const FILES = 60;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'liuhen-key-race-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A process writing each file once unless the other has, then reading the other's back, from `startAt` (ms since the epoch). */
function racer(startAt: number): Promise<{ wrote: number; partial: number }> {
  const module = pathToFileURL(path.resolve('server/crypto/key-file.ts')).href;
  const code = `
    import fs from 'node:fs';
    const { writeKeyFileOnce } = await import(${JSON.stringify(module)});
    const body = Buffer.alloc(1 << 20, 'k');
    // both begin at the same moment, whenever each process got going: a timer's wake-up is too loose
    await new Promise((r) => setTimeout(r, ${startAt} - 50 - Date.now()));
    while (Date.now() < ${startAt});
    let wrote = 0, partial = 0;
    for (let i = 0; i < ${FILES}; i++) {
      const file = ${JSON.stringify(dir)} + '/key-' + i + '.pem';
      if (writeKeyFileOnce(file, body)) wrote++;
      else if (!fs.readFileSync(file).equals(body)) partial++;
    }
    process.stdout.write(JSON.stringify({ wrote, partial }));`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  return new Promise((resolve, reject) => child.on('close', (status) => (status === 0 ? resolve(JSON.parse(out)) : reject(new Error(`racer exited ${status}`)))));
}

describe('a key file written by one of two nodes starting at once', () => {
  it('is read whole by the other, and written by exactly one of them', async () => {
    const startAt = Date.now() + 2000;
    const [a, b] = await Promise.all([racer(startAt), racer(startAt)]);
    expect(a.partial + b.partial).toBe(0);
    expect(a.wrote + b.wrote).toBe(FILES);
    // nothing left behind but the keys, each readable by its owner only
    const left = fs.readdirSync(dir);
    expect(left).toHaveLength(FILES);
    expect(left.every((f) => (fs.statSync(path.join(dir, f)).mode & 0o777) === 0o400)).toBe(true);
  });
});

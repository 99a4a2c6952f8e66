/**
 * The systemd units of README "Deploying" (infra/deploy/systemd), checked by systemd's own
 * `systemd-analyze verify` with their shared drop-in, as installed: each role's unit (templates
 * as the instances README enables) loads without a warning, and a mistake in one is caught.
 * And the settings file leaves to each unit what must differ between a machine's processes.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const DEPLOY = path.resolve(import.meta.dirname, '../../infra/deploy');
/** what README's three-node layout enables on a node */
const UNITS = ['liuhen-ingest@1935.service', 'liuhen-ingest@1937.service', 'liuhen-api@8080.service', 'liuhen-api@8081.service', 'liuhen-worker.service'];

let dir: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'liuhen-units-'));
  await fs.cp(path.join(DEPLOY, 'systemd'), dir, { recursive: true });
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** exit code and everything systemd-analyze said of `units` found in `dir` (and nowhere else) */
async function verify(units: string[]): Promise<{ code: number; said: string }> {
  try {
    const { stdout, stderr } = await run('systemd-analyze', ['verify', '--man=no', ...units], { env: { ...process.env, SYSTEMD_UNIT_PATH: `${dir}:`, SYSTEMD_LOG_COLOR: '0' }, cwd: dir });
    return { code: 0, said: (stdout + stderr).trim() };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, said: (err.stdout + err.stderr).trim() };
  }
}

describe('the deployed units', () => {
  it('each load without a word from systemd-analyze, the drop-in shared by all included', async () => {
    for (const unit of UNITS) expect(await verify([unit]), unit).toEqual({ code: 0, said: '' });
  });

  it('a key systemd does not know, in a unit or in the drop-in, is reported', async () => {
    const template = path.join(dir, 'liuhen-ingest@.service');
    const dropIn = path.join(dir, 'liuhen-.service.d', 'liuhen.conf');
    for (const file of [template, dropIn]) {
      const text = await fs.readFile(file, 'utf8');
      await fs.appendFile(file, '\n[Service]\nRestartt=always\n');
      const { said } = await verify(['liuhen-ingest@1935.service']);
      await fs.writeFile(file, text);
      expect(said, file).toMatch(/Unknown key 'Restartt'/);
    }
  });

  it('the settings file sets no port or data folder, which each unit sets for its own process', async () => {
    const settings = await fs.readFile(path.join(DEPLOY, 'liuhen.env.example'), 'utf8');
    expect(settings).not.toMatch(/^LIUHEN_(HTTP_PORT|DATA_DIR)=/m);
    for (const unit of ['liuhen-ingest@.service', 'liuhen-api@.service', 'liuhen-worker.service']) {
      const text = await fs.readFile(path.join(dir, unit), 'utf8');
      expect(text, unit).toMatch(/LIUHEN_DATA_DIR=\/var\/lib\/liuhen\/\S+/);
      expect(text, unit).toMatch(/LIUHEN_HTTP_PORT=\S+/);
    }
  });
});

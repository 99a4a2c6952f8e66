import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { README_COMMAND_PREFIX } from '../../workers/package-readme.ts';

/** What a court's clerk has: standard tools on a plain PATH, nothing of liuhen's. */
export const CLEAN_ENV = { PATH: '/usr/bin:/bin', LC_ALL: 'C.UTF-8' };

/**
 * Unpacks an evidence package into `dir` (new, empty) with tar alone and runs every "$ " line of
 * its README.txt there, literally: each command's exit code and output.
 */
export function verifyPackage(tarFile: string, dir: string): { command: string; code: number | null; output: string }[] {
  fs.mkdirSync(dir);
  execFileSync('tar', ['-xf', path.resolve(tarFile)], { cwd: dir, env: CLEAN_ENV });
  const readme = fs.readFileSync(path.join(dir, 'README.txt'), 'utf8');
  const commands = readme
    .split('\n')
    .filter((l) => l.startsWith(README_COMMAND_PREFIX))
    .map((l) => l.slice(README_COMMAND_PREFIX.length));
  return commands.map((command) => {
    // stdin is not a socket: Debian's bash would then read ~/.bashrc as if run by sshd.
    const r = spawnSync('bash', ['-c', command], { cwd: dir, env: CLEAN_ENV, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
    return { command, code: r.status, output: r.stdout + r.stderr };
  });
}

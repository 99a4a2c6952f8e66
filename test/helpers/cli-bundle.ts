/**
 * The `liuhen` command the tests spawn: server/cli/main.ts bundled once per test run (esbuild, the
 * npm packages left to Node), so each of the suite's ~150 `liuhen` processes starts without tsx
 * transpiling and resolving liuhen's few hundred files again (about 0.55 s of CPU each, measured with
 * `liuhen devices`). The same sources as bin/liuhen.js runs; test/medium/cli-entry.test.ts holds the two
 * to the same answers. It sits two folders below the repository, as the sources do, so paths the
 * server finds from its own place (the player's dist) resolve the same.
 */
import path from 'node:path';
import { build } from 'esbuild';

const REPO = path.resolve(import.meta.dirname, '../..');
export const CLI_BUNDLE = path.join(REPO, '.build/cli/liuhen.mjs');

export async function buildCliBundle(): Promise<void> {
  await build({
    entryPoints: [path.join(REPO, 'server/cli/main.ts')],
    outfile: CLI_BUNDLE,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
}

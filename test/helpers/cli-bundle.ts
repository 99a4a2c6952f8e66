/**
 * The `liuhen` command the tests spawn: server/cli/main.ts bundled once per test run (esbuild), so
 * each of the suite's ~150 `liuhen` processes starts without tsx transpiling and resolving liuhen's
 * few hundred files again (about 0.55 s of CPU each, measured with `liuhen devices`). The npm
 * packages are bundled too: Node finding, reading and lexing their ~900 files (kysely's 265,
 * BullMQ's 195) cost each process another 0.6 s of CPU (1.5 s → 0.7 s of user and system time for
 * `liuhen devices`), in a suite whose two cores are never idle. Left to Node are the packages that
 * load files of their own at run time: native addons (better-sqlite3, msgpackr's extract), pino's
 * transport worker, fluent-ffmpeg's presets, node-media-server. The same sources as bin/liuhen.js
 * runs; test/medium/cli-entry.test.ts holds the two to the same answers. It sits two folders below
 * the repository, as the sources do, so paths the server finds from its own place (the player's
 * dist) resolve the same.
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
    external: ['better-sqlite3', 'msgpackr-extract', 'pino', 'thread-stream', 'fluent-ffmpeg', 'node-media-server', 'pg-native'],
    // The CommonJS packages bundled into an ES module still call require (for Node's own modules).
    banner: { js: "import { createRequire as __bundledRequire } from 'node:module'; const require = __bundledRequire(import.meta.url);" },
    logLevel: 'warning',
  });
}

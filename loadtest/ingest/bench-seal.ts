/**
 * npx tsx loadtest/ingest/bench-seal.ts [--seals 200 --kib 500]
 *
 * CPU one live segment's sealing costs, on the embedded defaults (SQLite, local WORM store), in
 * this process's own account (all its threads, user and system): the whole `sealSegment`, and
 * of it the store's write-once put and one SHA-256 of the bytes; the rest is the ledger's
 * statements and commit. A 2 s segment of the ingest bench's camera is ~500 KiB, and a stream
 * seals one every 2 s: per-seal milliseconds ÷ 20 is % of a core per stream.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { loadConfig } from '../../server/config.ts';
import { openCore } from '../../server/core.ts';
import { sha256Hex } from '../../server/crypto/hash.ts';
import { createLogger } from '../../server/logger.ts';

const SEGMENT_SECONDS = 2;

const args = z
  .object({ seals: z.coerce.number().int().positive().default(200), kib: z.coerce.number().int().positive().default(500) })
  .parse(parseArgs({ options: { seals: { type: 'string' }, kib: { type: 'string' } } }).values);

/** CPU milliseconds (and system's share) per call of `step`, over `args.seals` calls in a row. */
async function perCall(step: (i: number) => Promise<unknown> | unknown): Promise<{ cpuMs: number; systemMs: number; wallMs: number }> {
  const cpu = process.cpuUsage();
  const wall = performance.now();
  for (let i = 0; i < args.seals; i++) await step(i);
  const used = process.cpuUsage(cpu);
  return { cpuMs: (used.user + used.system) / 1000 / args.seals, systemMs: used.system / 1000 / args.seals, wallMs: (performance.now() - wall) / args.seals };
}

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'liuhen-bench-seal-'));
const core = await openCore(loadConfig({ LIUHEN_DATA_DIR: dataDir, LIUHEN_WORKERS: 'off' }), createLogger('warn'));
try {
  const { device } = await core.devices.add({ kind: 'bodycam', officerBadge: 'B0' }, 'bench');
  const recording = await core.sealer.openRecording(device, core.clock.now());
  // Distinct bytes per call, as a camera's are: the store refuses nothing, and nothing is cached.
  const segment = (i: number, salt: number) => {
    const bytes = Buffer.alloc(args.kib * 1024, 0x47);
    bytes.writeUInt32BE(i, 64);
    bytes.writeUInt32BE(salt, 68);
    return bytes;
  };
  const retainUntil = new Date(core.clock.now().getTime() + 86_400_000);
  const startAt = core.clock.now().getTime();
  const sealAt = (i: number, salt: number) =>
    core.sealer.sealSegment(recording.id, { bytes: segment(i, salt), source: `bench/${salt}/${i}`, startAt: new Date(startAt + i * SEGMENT_SECONDS * 1000), durationMs: SEGMENT_SECONDS * 1000 });
  // A first round untimed: the compiler's warm-up is not the steady cost.
  for (let i = 0; i < 20; i++) await sealAt(i, 3);
  const hash = await perCall((i) => sha256Hex(segment(i, 0)));
  const alloc = await perCall((i) => segment(i, 0));
  const put = await perCall((i) => {
    const bytes = segment(i, 1);
    return core.store.putOnce(`bench/${i}`, bytes, { sha256: sha256Hex(bytes), retainUntil, contentType: 'video/mp2t' });
  });
  const seal = await perCall((i) => sealAt(20 + i, 2));
  // Each step made its segment's bytes first; that, and the caller's hash before a put, are taken off.
  const hashMs = hash.cpuMs - alloc.cpuMs;
  const putMs = put.cpuMs - alloc.cpuMs - hashMs;
  const sealMs = seal.cpuMs - alloc.cpuMs;
  const f = (x: number) => x.toFixed(2);
  console.log(`sealing a ${args.kib} KiB segment, ${args.seals} times, SQLite + local store: CPU ms per seal`);
  console.log('| whole seal (system) | store put, its hash check included (system) | SHA-256 once | ledger statements and commit | % of a core per stream |');
  console.log('|---|---|---|---|---|');
  console.log(`| ${f(sealMs)} (${f(seal.systemMs)}) | ${f(putMs)} (${f(put.systemMs)}) | ${f(hashMs)} | ${f(sealMs - putMs - hashMs)} | ${(sealMs / SEGMENT_SECONDS / 10).toFixed(3)} |`);
} finally {
  await core.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
}

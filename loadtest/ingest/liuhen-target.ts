/**
 * liuhen as the system under test: `liuhen up` in its own process on embedded defaults (local
 * WORM directory, SQLite) unless `settings` name others (PostgreSQL, S3, Redis, workers), N devices
 * registered beforehand.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../../server/config.ts';
import { openCore } from '../../server/core.ts';
import { publishUrl } from '../../server/ingest/publish-url.ts';
import { createLogger } from '../../server/logger.ts';

const BIN = path.resolve(import.meta.dirname, '../../bin/liuhen.js');

/** BENCH_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' profiles the server under load. */
function nodeArgs(): string[] {
  return (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
}

export interface LiuhenTarget {
  pid: number;
  urls: string[];
  env: Record<string, string>;
  metrics(): Promise<string>;
  stop(): Promise<void>;
}

export interface LiuhenProcess {
  pid: number;
  stop(): Promise<void>;
}

/** Registers n body cameras in the installation `env` describes; their publish URLs. */
export async function registerBodycams(env: Record<string, string>, n: number): Promise<string[]> {
  const config = loadConfig(env);
  const core = await openCore(config, createLogger('warn'));
  try {
    const urls: string[] = [];
    for (let i = 0; i < n; i++) {
      const { device, credential } = await core.devices.add({ kind: 'bodycam', officerBadge: `B${i}` }, 'bench');
      urls.push(publishUrl(config, device.id, credential));
    }
    return urls;
  } finally {
    await core.close();
  }
}

/** `liuhen up <args>` with `env`, once it says it is up. */
export async function spawnLiuhen(env: Record<string, string>, args: string[] = []): Promise<LiuhenProcess> {
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs(), BIN, 'up', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  for (let i = 0; !out.includes('liuhen is up'); i++) {
    if (child.exitCode !== null || i > 300) throw new Error(`liuhen did not start:\n${out}`);
    await sleep(100);
  }
  return {
    pid: child.pid!,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export async function startLiuhen(n: number, ports: { rtmp: number; http: number }, settings: Record<string, string> = {}): Promise<LiuhenTarget> {
  const env = {
    LIUHEN_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'liuhen-bench-')),
    LIUHEN_RTMP_PORT: String(ports.rtmp),
    LIUHEN_HTTP_PORT: String(ports.http),
    LIUHEN_BIND: '127.0.0.1',
    LIUHEN_PUBLIC_HOST: '127.0.0.1',
    LIUHEN_GRACE_SECONDS: '2',
    LIUHEN_LOG_LEVEL: 'warn',
    ...(process.env.LIUHEN_SPOOL_DIR ? { LIUHEN_SPOOL_DIR: process.env.LIUHEN_SPOOL_DIR } : {}),
    ...settings,
  };
  const urls = await registerBodycams(env, n);
  const server = await spawnLiuhen(env);
  return {
    pid: server.pid,
    urls,
    env,
    metrics: async () => (await fetch(`http://127.0.0.1:${ports.http}/metrics`)).text(),
    stop: server.stop,
  };
}

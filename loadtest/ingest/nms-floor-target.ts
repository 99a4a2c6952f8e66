/**
 * The second reference of the ingest benchmark: node-media-server alone, receiving and parsing the
 * same streams and doing nothing with them (nms-floor.ts). Its CPU is what liuhen cannot go below
 * while it receives RTMP with this library; set against nginx-rtmp it says which ratios are
 * reachable on this stack at all.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const SCRIPT = path.join(import.meta.dirname, 'nms-floor.ts');

export interface FloorTarget {
  pid: number;
  urls: string[];
  stop(): Promise<void>;
}

export async function startNmsFloor(n: number, port: number): Promise<FloorTarget> {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'liuhen-floor-'));
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, String(port), folder], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  for (let i = 0; !out.includes('floor is up'); i++) {
    if (child.exitCode !== null || i > 300) throw new Error(`node-media-server alone did not start:\n${out}`);
    await sleep(100);
  }
  return {
    pid: child.pid!,
    urls: Array.from({ length: n }, (_, i) => `rtmp://127.0.0.1:${port}/live/cam${i}`),
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGKILL');
        await exited;
      }
      fs.rmSync(folder, { recursive: true, force: true });
    },
  };
}

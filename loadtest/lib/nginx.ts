/** An nginx of the benchmark's own, in a temp prefix, as the peer liuhen is measured against. */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Nginx {
  pid: number;
  /** the temp prefix, for files the configuration points at */
  dir: string;
  stop(): Promise<void>;
}

/** Starts nginx with `body` (the part after the global settings); `dir` is created first so `body` can name paths in it. */
export async function startNginx(name: string, body: (dir: string) => string, preamble = ''): Promise<Nginx> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `liuhen-bench-${name}-`));
  fs.mkdirSync(path.join(dir, 'logs'));
  const conf = path.join(dir, 'nginx.conf');
  fs.writeFileSync(
    conf,
    `${preamble}user root;
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log warn;
events { worker_connections 4096; }
${body(dir)}
`,
  );
  const child: ChildProcess = spawn('nginx', ['-p', dir, '-c', conf], { stdio: 'inherit' });
  for (let i = 0; !fs.existsSync(path.join(dir, 'nginx.pid')); i++) {
    if (child.exitCode !== null || i > 100) throw new Error(`nginx (${name}) did not start`);
    await sleep(100);
  }
  return {
    pid: child.pid!,
    dir,
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGQUIT');
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The peer: nginx serving the same segment files and a playlist from disk, with no checks at all. */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export async function startNginxStatic(root: string, port: number): Promise<{ pid: number; stop(): Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'liuhen-bench-nginx-static-'));
  fs.mkdirSync(path.join(dir, 'logs'));
  const conf = path.join(dir, 'nginx.conf');
  fs.writeFileSync(
    conf,
    `user root;
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  keepalive_requests 100000;
  types { application/vnd.apple.mpegurl m3u8; video/mp2t ts; }
  server {
    listen 127.0.0.1:${port};
    root ${root};
  }
}
`,
  );
  const child: ChildProcess = spawn('nginx', ['-p', dir, '-c', conf], { stdio: 'inherit' });
  for (let i = 0; !fs.existsSync(path.join(dir, 'nginx.pid')); i++) {
    if (child.exitCode !== null || i > 100) throw new Error('nginx did not start');
    await sleep(100);
  }
  return {
    pid: child.pid!,
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGQUIT');
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

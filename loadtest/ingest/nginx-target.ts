/**
 * The peer: nginx with Debian's libnginx-mod-rtmp writing HLS (`hls on`), the cheapest thing that
 * also turns RTMP into 2 s segments on disk. It hashes, stores and records nothing.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const MODULE = '/usr/lib/nginx/modules/ngx_rtmp_module.so';

export interface NginxTarget {
  pid: number;
  urls: string[];
  stop(): Promise<void>;
}

export async function startNginx(n: number, port: number): Promise<NginxTarget> {
  if (!fs.existsSync(MODULE)) throw new Error(`${MODULE} is missing: apt-get install -y nginx libnginx-mod-rtmp`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'liuhen-bench-nginx-'));
  fs.mkdirSync(path.join(dir, 'hls'));
  fs.mkdirSync(path.join(dir, 'logs'));
  const conf = path.join(dir, 'nginx.conf');
  fs.writeFileSync(
    conf,
    `load_module ${MODULE};
user root;
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log warn;
events { worker_connections 4096; }
rtmp {
  server {
    listen 127.0.0.1:${port};
    chunk_size 4096;
    application live {
      live on;
      hls on;
      hls_path ${dir}/hls;
      hls_fragment 2s;
      hls_playlist_length 30s;
      hls_nested on;
    }
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
    urls: Array.from({ length: n }, (_, i) => `rtmp://127.0.0.1:${port}/live/cam${i}`),
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGQUIT');
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

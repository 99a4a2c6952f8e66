/**
 * The peer: nginx with Debian's libnginx-mod-rtmp writing HLS (`hls on`), the cheapest thing that
 * also turns RTMP into 2 s segments on disk. It hashes, stores and records nothing.
 */
import fs from 'node:fs';
import { startNginx } from '../lib/nginx.ts';

const MODULE = '/usr/lib/nginx/modules/ngx_rtmp_module.so';

export interface NginxTarget {
  pid: number;
  urls: string[];
  stop(): Promise<void>;
}

export async function startNginxRtmp(n: number, port: number): Promise<NginxTarget> {
  if (!fs.existsSync(MODULE)) throw new Error(`${MODULE} is missing: apt-get install -y nginx libnginx-mod-rtmp`);
  const nginx = await startNginx(
    'rtmp',
    (dir) => {
      fs.mkdirSync(`${dir}/hls`);
      return `rtmp {
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
}`;
    },
    `load_module ${MODULE};\n`,
  );
  return { pid: nginx.pid, urls: Array.from({ length: n }, (_, i) => `rtmp://127.0.0.1:${port}/live/cam${i}`), stop: nginx.stop };
}

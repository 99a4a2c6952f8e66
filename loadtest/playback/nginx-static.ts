/** The peer: nginx serving the same segment files and a playlist from disk, with no checks at all. */
import { type Nginx, startNginx } from '../lib/nginx.ts';

export function startNginxStatic(root: string, port: number): Promise<Nginx> {
  return startNginx(
    'static',
    () => `http {
  access_log off;
  sendfile on;
  keepalive_requests 100000;
  types { application/vnd.apple.mpegurl m3u8; video/mp2t ts; }
  server {
    listen 127.0.0.1:${port};
    root ${root};
  }
}`,
  );
}

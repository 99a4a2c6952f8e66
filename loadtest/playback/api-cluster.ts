/**
 * liuhen as deployed (README "Deploying"), on this machine: one ingest node recording the cameras
 * and K `liuhen up --roles api` processes over one PostgreSQL database and a Ceph RGW bucket with
 * Object Lock, behind nginx. nginx proxies plain HTTP with the shipped configuration's upstream
 * settings (least_conn, keep-alive under Node's 5 s, HTTP/1.1 to the nodes, X-Forwarded-For the
 * nodes trust): TLS is left out because the static peer it is compared with serves plain HTTP.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cephS3, s3StoreEnv } from '../../test/helpers/ceph.ts';
import { freePort } from '../../test/helpers/ports.ts';
import { freshPostgresDatabase } from '../../test/helpers/postgres.ts';
import { registerBodycams, spawnLiuhen, type LiuhenProcess } from '../ingest/liuhen-target.ts';
import { startNginx } from '../lib/nginx.ts';

export interface ApiCluster {
  /** nginx's address, where viewers go */
  origin: string;
  /** publish URLs of the cameras, on the ingest node */
  urls: string[];
  /** settings every node shares (database, store, keys), for the bench's own reads */
  env: Record<string, string>;
  /** the api processes and nginx: the serving side, measured together */
  servingPids: number[];
  /** the api processes alone */
  apiPids: number[];
  stop(): Promise<void>;
}

async function nodeEnv(shared: Record<string, string>): Promise<Record<string, string>> {
  return {
    ...shared,
    LIUHEN_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'liuhen-bench-node-')),
    LIUHEN_HTTP_PORT: String(await freePort()),
    LIUHEN_RTMP_PORT: String(await freePort()),
  };
}

export async function startApiCluster(feeds: number, apiProcesses: number): Promise<ApiCluster> {
  const shared = {
    LIUHEN_DATABASE_URL: await freshPostgresDatabase(),
    ...(await s3StoreEnv(await cephS3())),
    LIUHEN_KEYS_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'liuhen-bench-keys-')),
    LIUHEN_QUEUE_PREFIX: `bench-${process.pid}-${apiProcesses}`,
    LIUHEN_WORKERS: 'off',
    LIUHEN_BIND: '127.0.0.1',
    LIUHEN_PUBLIC_HOST: '127.0.0.1',
    LIUHEN_GRACE_SECONDS: '2',
    LIUHEN_LOG_LEVEL: 'warn',
    LIUHEN_TRUSTED_PROXIES: '127.0.0.1',
  };
  const started: LiuhenProcess[] = [];
  const stopAll = async () => {
    for (const p of started.reverse()) await p.stop();
  };
  try {
    const ingestEnv = await nodeEnv(shared);
    const urls = await registerBodycams(ingestEnv, feeds);
    started.push(await spawnLiuhen(ingestEnv, ['--roles', 'ingest']));
    const apiPorts: number[] = [];
    for (let i = 0; i < apiProcesses; i++) {
      const env = await nodeEnv(shared);
      started.push(await spawnLiuhen(env, ['--roles', 'api']));
      apiPorts.push(Number(env.LIUHEN_HTTP_PORT));
    }
    const port = await freePort();
    const nginx = await startNginx(
      'proxy',
      () => `http {
  access_log off;
  proxy_http_version 1.1;
  proxy_set_header Connection "";
  proxy_set_header Host $host;
  proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
  proxy_max_temp_file_size 0;
  upstream liuhen_http {
    least_conn;
${apiPorts.map((p) => `    server 127.0.0.1:${p} max_fails=3 fail_timeout=10s;`).join('\n')}
    keepalive 64;
    keepalive_timeout 4s;
  }
  server {
    listen 127.0.0.1:${port};
    location / { proxy_pass http://liuhen_http; }
  }
}`,
    );
    return {
      origin: `http://127.0.0.1:${port}`,
      urls,
      env: ingestEnv,
      servingPids: [...started.slice(1).map((p) => p.pid), nginx.pid],
      apiPids: started.slice(1).map((p) => p.pid),
      stop: async () => {
        await nginx.stop();
        await stopAll();
      },
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/**
 * The shipped balancer configuration (infra/deploy/nginx/liuhen.conf) in front of two real nodes
 * on PostgreSQL and Ceph RGW sharing one keys dir: the API answers through nginx over HTTPS,
 * cameras publishing over RTMP and RTMPS through nginx's stream ports are recorded and verify, and
 * with one node killed the API still answers through nginx. Real nginx (Debian's), real ffmpeg.
 */
import https from 'node:https';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { cephS3, s3StoreEnv } from '../helpers/ceph.ts';
import { runCli } from '../helpers/cli.ts';
import { type Balancer, startBalancer } from '../helpers/nginx.ts';
import { freshPostgresDatabase } from '../helpers/postgres.ts';
import { publish } from '../helpers/publisher.ts';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.ts';
import { testEnv } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';

const nodes: ServerProcess[] = [];
let balancer: Balancer | undefined;
afterAll(async () => {
  for (const n of nodes) {
    n.child.kill('SIGTERM');
    await n.exited;
  }
  await balancer?.stop();
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request over HTTPS, checking the balancer's certificate against `ca`. */
function httpsRequest(port: number, ca: string, method: string, pathname: string, headers: Record<string, string> = {}, body?: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, method, path: pathname, headers, ca, agent: false }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function addBodycam(env: Record<string, string>, officer: string): Promise<{ deviceId: string; credential: string; path: string }> {
  const added = await runCli(['device', 'add', '--kind', 'bodycam', '--officer', officer], env);
  expect(added.code, added.stderr).toBe(0);
  const url = /publish URL[^:]*: (\S+)/.exec(added.stdout)![1]!;
  const publishUrl = new URL(url);
  return { deviceId: /device (\S+)/.exec(added.stdout)![1]!, credential: publishUrl.searchParams.get('key')!, path: publishUrl.pathname + publishUrl.search };
}

describe('nginx in front of two nodes', () => {
  it('serves the API over HTTPS, records RTMP and RTMPS through its stream ports, and answers with a node down', async () => {
    const url = await freshPostgresDatabase();
    const first = await testEnv({ LIUHEN_DATABASE_URL: url, ...(await s3StoreEnv(await cephS3())) });
    const own = await testEnv();
    const shared = Object.fromEntries(
      Object.entries(first).filter(([k]) => k.startsWith('LIUHEN_S3_') || k.startsWith('LIUHEN_RETENTION') || ['LIUHEN_DATABASE_URL', 'LIUHEN_QUEUE_PREFIX', 'LIUHEN_STORE'].includes(k)),
    );
    const second: Record<string, string> = { ...own, ...shared, LIUHEN_KEYS_DIR: path.join(first.LIUHEN_DATA_DIR!, 'keys') };
    // Started together, as a deployment's nodes are (the one keys dir: whichever makes the keys first, the other loads them).
    nodes.push(...(await Promise.all([first, second].map((env) => startServerProcess(env)))));
    const lb = (balancer = await startBalancer([first, second].map((e) => ({ http: Number(e.LIUHEN_HTTP_PORT), rtmp: Number(e.LIUHEN_RTMP_PORT) }))));

    const get = (pathname: string) => httpsRequest(lb.listen.https, lb.cert, 'GET', pathname);
    const contract = await get('/api/openapi.json');
    expect(contract.status, lb.log()).toBe(200);
    expect(JSON.parse(contract.body)).toMatchObject({ openapi: '3.1.0' });
    // A node's metrics are its monitoring host's, asked on the node's own port; never the public's.
    expect((await get('/metrics')).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${first.LIUHEN_HTTP_PORT}/metrics`)).status).toBe(200);
    expect((await get('/readyz')).status).toBe(200);

    // Two cameras, one over RTMP and one over RTMPS (TLS ends at nginx), both through the balancer.
    // The third added now, so both nodes know it (they reread the devices every second) by the time
    // it uploads; all three at once, each `liuhen device add` a process of its own.
    const [plain, tls, uploader] = await Promise.all([addBodycam(first, 'NG-1'), addBodycam(first, 'NG-2'), addBodycam(first, 'NG-3')]);
    const cameras = [publish(`rtmp://127.0.0.1:${lb.listen.rtmp}${plain.path}`, 7), publish(`rtmps://127.0.0.1:${lb.listen.rtmps}${tls.path}`, 7)];
    const codes = await Promise.all(cameras.map((c) => c.exited));
    expect(codes, cameras.map((c) => c.stderr()).join('\n') + lb.log()).toEqual([0, 0]);

    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      for (const camera of [plain, tls]) {
        const recording = await waitFor(
          `${camera.deviceId}'s recording to close`,
          async () => (await db.query<{ id: string; segment_count: number }>("SELECT id, segment_count FROM recordings WHERE device_id = $1 AND state = 'closed'", [camera.deviceId])).rows[0],
          60_000,
          500,
        );
        expect(recording.segment_count).toBeGreaterThanOrEqual(3);
        const verified = await runCli(['verify', recording.id], first);
        expect(verified.stdout, verified.stderr).toMatch(/intact/);
        expect(verified.code).toBe(0);
      }
    } finally {
      await db.end();
    }

    // An offline upload through nginx: bodies past nginx's default 1 MB limit stream through, and
    // every request of the device reaches the node holding its unfinished upload's bytes.
    const tus = (method: string, pathname: string, headers: Record<string, string> = {}, body?: Buffer) =>
      httpsRequest(lb.listen.https, lb.cert, method, pathname, { Authorization: `Device ${uploader.deviceId}:${uploader.credential}`, 'Tus-Resumable': '1.0.0', ...headers }, body);
    const PART = 1536 * 1024;
    const created = await tus('POST', '/api/device/uploads', { 'Upload-Length': String(4 * PART), 'Upload-Metadata': `startedAt ${Buffer.from(new Date().toISOString()).toString('base64')}` });
    expect(created.status, created.body).toBe(201);
    const location = String(created.headers.location);
    for (let i = 0; i < 3; i++) {
      const sent = await tus('PATCH', location, { 'Content-Type': 'application/offset+octet-stream', 'Upload-Offset': String(i * PART) }, Buffer.alloc(PART, i));
      expect(sent.status, sent.body).toBe(204);
    }
    expect((await tus('HEAD', location)).headers['upload-offset']).toBe(String(3 * PART));

    // One node dies; nginx finds it refusing connections and sends every request to the other.
    nodes[0]!.child.kill('SIGKILL');
    await nodes[0]!.exited;
    nodes.shift();
    for (let i = 0; i < 8; i++) {
      const answer = await get('/api/openapi.json');
      expect(answer.status, answer.body + lb.log()).toBe(200);
    }
    // The dead node was tried, and the request in hand went on to the other one.
    expect(lb.log()).toMatch(new RegExp(`connect\\(\\) failed \\(111: Connection refused\\) while connecting to upstream.*127\\.0\\.0\\.1:${first.LIUHEN_HTTP_PORT}`));
  }, 240_000);
});

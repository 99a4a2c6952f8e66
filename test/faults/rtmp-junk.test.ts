/**
 * A port scanner on the RTMP port while a body camera publishes: idle connections and
 * half-finished handshakes are closed within seconds, the camera's recording goes on without a
 * gap, and even a server whose descriptors run out stays up and keeps recording.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../server/db/database.ts';
import type { RunningServer } from '../../server/liuhen.ts';
import { runCli } from '../helpers/cli.ts';
import { rawRequest } from '../helpers/http.ts';
import { publish, type Publisher } from '../helpers/publisher.ts';
import { entriesOf, recordingsOf, waitForClosed } from '../helpers/recordings.ts';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.ts';
import { startTestServer, testEnv } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';

const HANDSHAKE_MS = 2000;
const PER_ADDRESS = 30;

interface Junk {
  openedAt: number;
  closedAt?: number;
}

/** RTMP C0 (version 3) and C1 (time, zero, random): a client that starts the handshake and stops. */
const C0C1 = Buffer.concat([Buffer.from([3]), Buffer.alloc(8), randomBytes(1528)]);

/**
 * One junk connection from `source` (any 127.0.0.0/8 address: the server sees distinct peers).
 * Resolves once connected, or refused: a server out of descriptors accepts and drops at once.
 */
function openJunk(port: number, source: string, halfHandshake: boolean, onClose: () => void = () => {}): Promise<Junk> {
  return new Promise((resolve) => {
    const junk: Junk = { openedAt: Date.now() };
    const s = net.connect({ port, host: '127.0.0.1', localAddress: source }, () => {
      junk.openedAt = Date.now();
      if (halfHandshake) s.write(C0C1);
      resolve(junk);
    });
    // Read whatever the server sends (S0S1S2), or its FIN is never seen.
    s.resume();
    s.on('error', () => {});
    s.on('close', () => {
      junk.closedAt = Date.now();
      resolve(junk);
      onClose();
    });
  });
}

const source = (i: number) => `127.0.0.${2 + i}`;

/** `count` connections spread over source addresses, `perSource` each, opened 100 at a time. */
async function openMany(port: number, count: number, perSource: number, halfHandshake: boolean, firstSource = 0): Promise<Junk[]> {
  const out: Junk[] = [];
  for (let i = 0; i < count; i += 100) {
    const batch = Array.from({ length: Math.min(100, count - i) }, (_, j) => openJunk(port, source(firstSource + Math.floor((i + j) / perSource)), halfHandshake));
    out.push(...(await Promise.all(batch)));
  }
  return out;
}

/** GETs /healthz every 250 ms until stopped; collects answers that were not 200 or not at all. */
function pollHealth(httpPort: number): { stop(): Promise<{ ok: number; failed: string[] }> } {
  let running = true;
  const failed: string[] = [];
  let ok = 0;
  const loop = (async () => {
    while (running) {
      try {
        // A new connection each time: a scanner's flood must not shut out new clients.
        const r = await Promise.race([rawRequest(httpPort, 'GET', '/healthz', { headers: { connection: 'close' } }), sleep(3000).then(() => ({ status: 'no answer in 3 s' }))]);
        if (r.status === 200) ok++;
        else failed.push(`status ${r.status}`);
      } catch (e) {
        failed.push(String(e));
      }
      await sleep(250);
    }
  })();
  return { stop: async () => ((running = false), await loop, { ok, failed }) };
}

const processAlive = (pid: number) => fs.existsSync(`/proc/${pid}`) && !fs.readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
const openFdsOf = (pid: number) => fs.readdirSync(`/proc/${pid}/fd`).length;

/** `gaps`: the number of gaps `liuhen verify` must report, as a pattern */
async function expectVerified(recordingId: string, env: Record<string, string>, gaps: string) {
  const verified = await runCli(['verify', recordingId], env);
  expect(verified.stdout, verified.stderr).toMatch(new RegExp(`intact — \\d+ segments, ${gaps} gaps`));
  expect(verified.code).toBe(0);
}

const cameras: Publisher[] = [];
let server: RunningServer | undefined;
let serverProcess: ServerProcess | undefined;
let db: Db | undefined;
afterAll(async () => {
  for (const c of cameras) c.stop();
  await server?.stop();
  serverProcess?.child.kill('SIGKILL');
  await db?.destroy();
});

describe('junk on the RTMP port while a camera publishes', () => {
  it('closes 1,200 idle sockets and 200 half-handshakes within seconds; the camera records without a gap', async () => {
    const env = await testEnv({ LIUHEN_RTMP_HANDSHAKE_SECONDS: String(HANDSHAKE_MS / 1000), LIUHEN_RTMP_MAX_PER_ADDRESS: String(PER_ADDRESS) });
    server = await startTestServer(env);
    const { db, devices } = server.core;
    const { device, credential } = await devices.add({ kind: 'bodycam', officerBadge: 'J1' }, 'test');
    const camera = publish(server.publishUrl(device.id, credential), 20);
    cameras.push(camera);
    await waitFor('a sealed segment', async () => (await recordingsOf(db, device.id))[0]?.segment_count, 20_000);

    const health = pollHealth(server.httpPort);
    // 20 per source address: under the cap, so only the handshake deadline can close them.
    const idle = await openMany(server.rtmpPort, 1200, 20, false);
    const half = await openMany(server.rtmpPort, 200, 20, true, 60);
    // One source over its cap: the excess is closed at once, the rest wait for the deadline.
    const crowd = await openMany(server.rtmpPort, PER_ADDRESS + 5, PER_ADDRESS + 5, false, 100);
    const junk = [...idle, ...half, ...crowd];
    await waitFor('every junk connection closed by the server', () => junk.every((j) => j.closedAt !== undefined), HANDSHAKE_MS + 15_000);
    const { ok, failed } = await health.stop();

    expect(failed).toEqual([]);
    expect(ok).toBeGreaterThan(4);
    const lifetimes = (js: Junk[]) => js.map((j) => j.closedAt! - j.openedAt);
    // Not before the deadline (they were under every cap), and within a few seconds after it.
    for (const t of lifetimes([...idle, ...half])) {
      expect(t).toBeGreaterThanOrEqual(HANDSHAKE_MS - 50);
      expect(t).toBeLessThan(HANDSHAKE_MS + 5000);
    }
    // The 5 over the cap close on arrival, the rest a deadline later. Compared with each other, not
    // with the client's clock: a server loop busy with 1,400 sockets may accept the crowd late.
    const crowdClosed = crowd.map((j) => j.closedAt!).sort((a, b) => a - b);
    expect(crowdClosed[5]! - crowdClosed[4]!).toBeGreaterThan(HANDSHAKE_MS / 2);
    const closed = Object.fromEntries((await server.metrics.rtmpClosed.get()).values.map((v) => [v.labels.reason, v.value]));
    expect(closed).toMatchObject({ handshake_timeout: 1200 + 200 + PER_ADDRESS, per_address_cap: 5 });
    // Only the camera is left.
    expect((await server.metrics.rtmpConnections.get()).values[0]!.value).toBe(1);

    expect(await camera.exited, camera.stderr()).toBe(0);
    const [recording] = await waitForClosed(db, device.id);
    expect(recording!.gap_count).toBe(0);
    expect(recording!.segment_count).toBeGreaterThanOrEqual(9);
    const entries = await entriesOf(db, recording!.id);
    expect(entries.map((e) => e.kind)).toEqual(entries.map(() => 'segment'));
    await server.stop();
    server = undefined;
    await expectVerified(recording!.id, env, '0');
  });

  it('stays up when a flood exhausts its descriptors, and the camera goes on recording', async () => {
    const FD_LIMIT = 250;
    const env = await testEnv({ LIUHEN_RTMP_HANDSHAKE_SECONDS: String(HANDSHAKE_MS / 1000), LIUHEN_LOG_LEVEL: 'info' });
    const added = await runCli(['device', 'add', '--kind', 'bodycam', '--officer', 'J2'], env);
    expect(added.code, added.stderr).toBe(0);
    const url = /publish URL[^:]*: (\S+)/.exec(added.stdout)![1]!;
    const deviceId = /device (\S+)/.exec(added.stdout)![1]!;
    // Hard limit too: the server cannot raise it, so the flood really runs it out.
    serverProcess = await startServerProcess(env, { fdLimit: FD_LIMIT });
    const pid = serverProcess.child.pid!;
    db = await openDatabase(`sqlite:${path.join(env.LIUHEN_DATA_DIR!, 'liuhen.sqlite')}`);
    const segments = async () => (await recordingsOf(db!, deviceId))[0]?.segment_count ?? 0;
    const camera = publish(url, 24);
    cameras.push(camera);
    await waitFor('two sealed segments', async () => (await segments()) >= 2, 30_000);

    // Keep more connections open than the server has descriptors, for 8 s: each one the server
    // drops is opened again, so the table stays full. /healthz is asked meanwhile, so the HTTP
    // listener too meets accepts that fail.
    const floodUntil = Date.now() + 8000;
    const health = pollHealth(Number(env.LIUHEN_HTTP_PORT));
    let mostFds = 0;
    let open = 0;
    const reopen = (i: number) => {
      if (Date.now() > floodUntil) return;
      open++;
      void openJunk(Number(env.LIUHEN_RTMP_PORT), source(i % 20), i % 2 === 0, () => {
        open--;
        // A moment's pause: a server at its limit drops new connections at once, and an
        // immediate retry would only spin both processes.
        setTimeout(() => reopen(i + 20), 200);
      });
    };
    for (let i = 0; i < FD_LIMIT + 100; i++) reopen(i);
    while (Date.now() < floodUntil) {
      mostFds = Math.max(mostFds, openFdsOf(pid));
      await sleep(100);
    }
    await waitFor('the flood to drain', () => open === 0, HANDSHAKE_MS + 15_000);
    await health.stop();
    // The descriptors did run out (the last few go to libuv's reserve and short-lived opens).
    expect(mostFds).toBeGreaterThanOrEqual(FD_LIMIT - 5);
    expect(processAlive(pid)).toBe(true);

    const afterFlood = await segments();
    await waitFor('segments sealed after the flood', async () => (await segments()) >= afterFlood + 3, 30_000);
    expect((await fetch(`http://127.0.0.1:${env.LIUHEN_HTTP_PORT}/healthz`)).status).toBe(200);
    const metrics = await (await fetch(`http://127.0.0.1:${env.LIUHEN_HTTP_PORT}/metrics`)).text();
    expect(metrics).toMatch(/^liuhen_max_fds 250$/m);
    expect(metrics).toMatch(/^liuhen_open_fds \d+$/m);
    expect(metrics).toMatch(/^liuhen_rtmp_closed_total\{reason="handshake_timeout"\} [1-9]\d*$/m);
    expect(await camera.exited, camera.stderr()).toBe(0);
    const [recording] = await waitForClosed(db, deviceId, 1, 30_000);
    expect(processAlive(pid)).toBe(true);

    serverProcess.child.kill('SIGTERM');
    expect(await serverProcess.exited, serverProcess.output()).toBe(0);
    serverProcess = undefined;
    await expectVerified(recording!.id, env, '\\d+');
  });
});

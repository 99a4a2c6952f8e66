/**
 * A node does the roles it is given (`liuhen up --roles`): without `ingest` it takes no cameras,
 * without `api` its HTTP port serves only its probes (liveness, readiness, metrics). Its single-run duties run while it leads; on SQLite it always does.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { rolesSchema } from '../../server/cluster/roles.ts';
import type { RunningServer } from '../../server/liuhen.ts';
import { runCli } from '../helpers/cli.ts';
import { startTestServer, testEnv } from '../helpers/server.ts';

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('roles', () => {
  it('are read from a comma-separated list, each one known', () => {
    expect([...rolesSchema.parse('ingest, api')]).toEqual(['ingest', 'api']);
    expect(rolesSchema.safeParse('ingest,transcode').success).toBe(false);
    expect(rolesSchema.safeParse('').success).toBe(false);
  });

  it('`liuhen up` refuses an unknown role before it starts anything', async () => {
    const r = await runCli(['up', '--roles', 'ingest,transcode'], await testEnv());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/roles are ingest, api, worker/);
  });
});

describe('a node', () => {
  let server: RunningServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it('with only `api` serves HTTP and takes no cameras', async () => {
    server = await startTestServer(await testEnv(), undefined, { roles: new Set(['api']) });
    const res = await fetch(`http://127.0.0.1:${server.httpPort}/readyz`);
    expect(res.status).toBe(200);
    expect(await accepts(server.rtmpPort)).toBe(false);
    expect(server.leadership.leading).toBe(true);
  });

  it('with only `ingest` takes cameras and serves its probes on its HTTP port, and nothing else', async () => {
    const env = await testEnv();
    server = await startTestServer(env, undefined, { roles: new Set(['ingest']) });
    expect(await accepts(server.rtmpPort)).toBe(true);
    const at = (p: string) => fetch(`http://127.0.0.1:${env.LIUHEN_HTTP_PORT}${p}`);
    const ready = await at('/readyz');
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { checks: { ingest: { ok: boolean } } }).checks.ingest.ok).toBe(true);
    // The recording process's own figures: only here, not on an api node's /metrics.
    const metrics = await (await at('/metrics')).text();
    expect(metrics).toMatch(/^liuhen_seal_backlog_segments \d/m);
    expect(metrics).toMatch(/^liuhen_event_loop_delay_seconds\{quantile="0.99"\} \S+/m);
    expect((await at('/healthz')).status).toBe(200);
    for (const p of ['/api/openapi.json', '/api/auth/sign-in', '/play/x/y/1', '/']) {
      const res = await at(p);
      expect(res.status, p).toBe(404);
      expect(await res.json()).toMatchObject({ error: 'not_found' });
    }
  });
});

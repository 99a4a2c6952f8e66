/**
 * What devices tell the server, and one camera per officer: a clock 10 s fast is measured, kept,
 * flagged and carried onto the next recording; a low battery is flagged; a wrong device credential
 * is refused and audited; the 告知 marker is sealed into the open recording (which still
 * verifies) by the device, its officer or a commander of its unit, and refused when nothing is
 * recording; a second body camera for one officer is refused at the CLI, the API and the index.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../server/audit/audit-log.ts';
import { openDatabase } from '../../server/db/database.ts';
import { repositoriesOf } from '../../server/db/repositories.ts';
import { DeviceHealth } from '../../server/devices/device-health.ts';
import { DeviceRegistry } from '../../server/devices/device-registry.ts';
import { OfficerHasBodycam } from '../../server/errors.ts';
import type { RunningServer } from '../../server/liuhen.ts';
import { runCli } from '../helpers/cli.ts';
import { freshPostgresDatabase } from '../helpers/postgres.ts';
import { publish } from '../helpers/publisher.ts';
import { entriesOf, recordingsOf, waitForClosed } from '../helpers/recordings.ts';
import { startTestServer, testEnv } from '../helpers/server.ts';
import { signedInUser, type SignedIn } from '../helpers/viewing.ts';
import { waitFor } from '../helpers/wait.ts';

let server: RunningServer;
let env: Record<string, string>;
let admin: SignedIn;

beforeAll(async () => {
  env = await testEnv({ LIUHEN_GRACE_SECONDS: '1' });
  server = await startTestServer(env);
  admin = await signedInUser(server, 'admin', 'u1', 'A-1');
});
afterAll(async () => server?.stop());

interface Issued {
  id: string;
  credential: string;
}

async function bodycam(officerBadge: string, unit = 'u1'): Promise<Issued> {
  const { device, credential } = await server.core.devices.add({ kind: 'bodycam', officerBadge, unit }, 'test');
  return { id: device.id, credential };
}

function asDevice(path: string, device: Issued, body: unknown): Promise<Response> {
  return fetch(`http://127.0.0.1:${server.httpPort}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Device ${device.id}:${device.credential}` },
    body: JSON.stringify(body),
  });
}

function asUser(method: string, path: string, user: SignedIn, body?: unknown): Promise<Response> {
  return fetch(`http://127.0.0.1:${server.httpPort}${path}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${user.accessToken}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function auditOf(action: string, subject: string) {
  await server.core.audit.flush();
  return server.core.audit.query({ action, subject });
}

describe('device health and the 告知 notice', () => {
  it('measures a clock 10 s fast, flags it, and the next recording carries it with the notices sealed into it', async () => {
    const camera = await bodycam('H-1');
    const res = await asDevice('/api/device/health', camera, { deviceTime: new Date(Date.now() + 10_000).toISOString(), batteryPct: 80, storageFreeMb: 20_000 });
    expect(res.status).toBe(200);
    const health = (await res.json()) as { clockDriftMs: number; flags: string[] };
    expect(Math.abs(health.clockDriftMs - 10_000)).toBeLessThan(1500);
    expect(health.flags).toEqual(['clock_drift']);
    const device = await server.core.devices.get(camera.id);
    expect(device.clock_drift_ms).toBe(health.clockDriftMs);
    expect(JSON.parse(device.health_flags!)).toEqual(['clock_drift']);
    expect(device.last_seen_at).not.toBeNull();
    const [report] = await server.core.db.selectFrom('device_health_reports').selectAll().where('device_id', '=', camera.id).execute();
    expect(report).toMatchObject({ clock_drift_ms: health.clockDriftMs, battery_pct: 80, storage_free_mb: 20_000, flags: '["clock_drift"]' });

    const officer = await signedInUser(server, 'reviewer', 'u1', 'H-1');
    const commander = await signedInUser(server, 'commander', 'u1', 'C-1');
    const otherCommander = await signedInUser(server, 'commander', 'u2', 'C-2');
    const custodian = await signedInUser(server, 'custodian', 'u1', 'K-1');

    const live = publish(server.publishUrl(camera.id, camera.credential), 6);
    await waitFor('a sealed segment', async () => (await recordingsOf(server.core.db, camera.id))[0]?.segment_count);
    // The device says when by its own clock, 10 s fast; the ledger keeps server time.
    const told = new Date(Date.now() + health.clockDriftMs - 500).toISOString();
    let published = false;
    void live.exited.then(() => (published = true));
    const byDevice = await asDevice('/api/device/notice', camera, { at: told });
    expect(published, 'the marker is sealed while the camera still publishes, not after').toBe(false);
    expect(byDevice.status).toBe(201);
    const marked = (await byDevice.json()) as { recordingId: string; idx: number; at: string };
    expect(Date.parse(marked.at)).toBe(Date.parse(told) - health.clockDriftMs);
    expect((await asUser('POST', `/api/devices/${camera.id}/notice`, officer, {})).status).toBe(201);
    expect((await asUser('POST', `/api/devices/${camera.id}/notice`, commander, {})).status).toBe(201);
    expect((await asUser('POST', `/api/devices/${camera.id}/notice`, otherCommander, {})).status).toBe(403);
    expect((await asUser('POST', `/api/devices/${camera.id}/notice`, custodian, {})).status).toBe(403);
    expect(await live.exited).toBe(0);

    const [recording] = await waitForClosed(server.core.db, camera.id);
    expect(recording!.id).toBe(marked.recordingId);
    expect(recording!.clock_drift_ms).toBe(health.clockDriftMs);
    expect(JSON.parse(recording!.flags)).toEqual(['clock_drift']);
    const notices = (await entriesOf(server.core.db, recording!.id)).filter((e) => e.kind === 'notice');
    expect(notices.map((e) => e.marker_by)).toEqual(['device', `user:${officer.userId}`, `user:${commander.userId}`]);
    expect(notices[0]).toMatchObject({ idx: marked.idx, start_at: marked.at, duration_ms: 0 });
    const audited = await auditOf('recording.notice', recording!.id);
    expect(audited.map((e) => e.actor)).toEqual([`device:${camera.id}`, `user:${officer.userId}`, `user:${commander.userId}`]);
    expect((await auditOf('recording.notice', camera.id)).map((e) => e.outcome)).toEqual(['refused', 'refused']);

    const shown = (await (await asUser('GET', `/api/recordings/${recording!.id}`, commander)).json()) as {
      recording: { clockDriftMs: number; flags: string[]; origin: string };
      timeline: { kind: string; by: string | null }[];
    };
    expect(shown.recording).toMatchObject({ clockDriftMs: health.clockDriftMs, flags: ['clock_drift'], origin: 'live' });
    expect(shown.timeline.filter((e) => e.kind === 'notice').map((e) => e.by)).toEqual(['device', `user:${officer.userId}`, `user:${commander.userId}`]);

    expect(await (await asUser('GET', `/api/recordings/${recording!.id}/verification`, commander)).json()).toMatchObject({ ok: true, gaps: 0 });
    const verified = await runCli(['verify', recording!.id], env);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);

    const late = await asDevice('/api/device/notice', camera, {});
    expect(late.status).toBe(409);
    expect(await late.json()).toEqual({ error: 'not_recording' });
    expect((await auditOf('recording.notice', camera.id)).at(-1)).toMatchObject({ actor: `device:${camera.id}`, outcome: 'refused', detail: '{"reason":"not_recording"}' });
  }, 90_000);

  it('flags a low battery, and audits a change of flags rather than every report', async () => {
    const camera = await bodycam('H-2');
    const report = async (batteryPct: number) => {
      const res = await asDevice('/api/device/health', camera, { deviceTime: new Date().toISOString(), batteryPct });
      expect(res.status).toBe(200);
      return ((await res.json()) as { flags: string[] }).flags;
    };
    expect(await report(5)).toEqual(['low_battery']);
    expect(await report(4)).toEqual(['low_battery']);
    expect(await report(90)).toEqual([]);
    const changes = await auditOf('device.health', camera.id);
    expect(changes.map((e) => JSON.parse(e.detail) as { from: string[]; to: string[] })).toMatchObject([
      { from: [], to: ['low_battery'] },
      { from: ['low_battery'], to: [] },
    ]);
    expect(await server.core.db.selectFrom('device_health_reports').select('battery_pct').where('device_id', '=', camera.id).execute()).toHaveLength(3);
  });

  it('refuses a wrong device credential with 401 and audits it', async () => {
    const camera = await bodycam('H-3');
    const res = await asDevice('/api/device/health', { id: camera.id, credential: 'not-the-credential' }, { deviceTime: new Date().toISOString() });
    expect(res.status).toBe(401);
    // A claimed device is no identity: the refusal is counted for the address, with the claim (error-status.ts).
    await server.core.audit.flush();
    const counted = (await server.core.audit.query({ action: 'http.refused' })).map((e) => (JSON.parse(e.detail) as { sample: Record<string, number> }).sample);
    expect(counted.some((sample) => sample[`401 POST /api/device/health bad_credential device:${camera.id}`] === 1)).toBe(true);
    expect((await server.core.devices.get(camera.id)).health_at).toBeNull();
  });

  it('shows custodians every device and commanders their unit’s, with health and without secrets', async () => {
    const elsewhere = await bodycam('H-4', 'u2');
    const custodian = await signedInUser(server, 'custodian', 'u9', 'K-9');
    const commander = await signedInUser(server, 'commander', 'u1', 'C-9');
    type Listed = { devices: Record<string, unknown>[] };
    const all = (await (await asUser('GET', '/api/devices', custodian)).json()) as Listed;
    const own = (await (await asUser('GET', '/api/devices', commander)).json()) as Listed;
    expect(all.devices.some((d) => d.id === elsewhere.id)).toBe(true);
    expect(own.devices.some((d) => d.id === elsewhere.id)).toBe(false);
    expect(own.devices.every((d) => d.unit === 'u1')).toBe(true);
    expect(Object.keys(all.devices[0]!).sort()).toEqual(['cutter', 'error', 'health', 'id', 'kind', 'lastSeenAt', 'name', 'officerBadge', 'rtspUrl', 'state', 'unit']);

    const cli = await runCli(['devices', '--json'], env);
    expect(cli.code, cli.stderr).toBe(0);
    expect(JSON.parse(cli.stdout)).toEqual(all.devices);
  });
});

describe('one bodycam per officer', () => {
  it('refuses a second bodycam at the CLI and the API, and audits a reassignment', async () => {
    await bodycam('P-1');
    const cli = await runCli(['device', 'add', '--kind', 'bodycam', '--officer', 'P-1'], env);
    expect(cli.code).not.toBe(0);
    expect(cli.stderr).toContain('officer P-1 already has an active body camera');
    const api = await asUser('POST', '/api/devices', admin, { kind: 'bodycam', officerBadge: 'P-1', unit: 'u1' });
    expect(api.status).toBe(409);
    expect(await api.json()).toEqual({ error: 'officer_has_bodycam' });

    const spare = await bodycam('P-2');
    expect((await asUser('PATCH', `/api/devices/${spare.id}`, admin, { officerBadge: 'P-1' })).status).toBe(409);
    const moved = await runCli(['device', 'assign', spare.id, '--officer', 'P-3'], env);
    expect(moved.code, moved.stderr).toBe(0);
    const again = await asUser('PATCH', `/api/devices/${spare.id}`, admin, { officerBadge: 'P-4' });
    expect(again.status).toBe(200);
    expect(((await again.json()) as { device: { officerBadge: string } }).device.officerBadge).toBe('P-4');
    const assigned = await auditOf('device.assign', spare.id);
    expect(assigned.map((e) => [e.actor.split(':')[0], JSON.parse(e.detail)])).toEqual([
      ['cli', { from: 'P-2', to: 'P-3' }],
      ['user', { from: 'P-3', to: 'P-4' }],
    ]);
  }, 30_000);
});

describe.each([
  ['SQLite', async () => `sqlite:${path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'liuhen-health-')), 'liuhen.sqlite')}`],
  ['PostgreSQL', freshPostgresDatabase],
])('on %s', (_name, databaseUrl) => {
  it('keeps a health report on the device, and the index refuses two bodycams registered at once', async () => {
    const db = await openDatabase(await databaseUrl());
    const repos = repositoriesOf(db);
    const audit = new AuditLog(repos);
    try {
      const devices = new DeviceRegistry(repos, audit, randomBytes(32));
      // Two open connections: on PostgreSQL the registrations then usually run side by side, and the index (not the check) refuses one.
      await Promise.all([0, 1].map(() => db.selectFrom('devices').select('id').execute()));
      const both = await Promise.allSettled([0, 1].map(() => devices.add({ kind: 'bodycam', officerBadge: 'R-1' }, 'test')));
      const [issued] = both.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      const [refused] = both.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
      expect(refused).toBeInstanceOf(OfficerHasBodycam);

      const health = new DeviceHealth(repos, audit, { clockDriftMs: 2000, lowBatteryPct: 20, lowStorageMb: 1024 }, { now: () => new Date('2026-03-01T00:00:00.000Z') });
      const reported = await health.report(issued!.device.id, { deviceTime: '2026-03-01T08:00:10.000+08:00', storageFreeMb: 100 }, { address: null, userAgent: null });
      expect(reported).toEqual({ clockDriftMs: 10_000, flags: ['clock_drift', 'low_storage'], flagsChanged: true });
      expect(await devices.get(issued!.device.id)).toMatchObject({
        clock_drift_ms: 10_000,
        storage_free_mb: 100,
        health_at: '2026-03-01T00:00:00.000Z',
        health_flags: '["clock_drift","low_storage"]',
      });
    } finally {
      await audit.flush();
      await db.destroy();
    }
  });
});

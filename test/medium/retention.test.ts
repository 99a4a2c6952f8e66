/**
 * Retention by category on Ceph RGW (issue 17), with periods of seconds: an unlinked recording
 * past its period expires — its media deleted by the store's only delete, a signed expiry record
 * left, `liuhen verify` reporting it expired and not tampered — while a recording a case links
 * has its objects' locks moved and stays, a held one stays until released, a case archived later
 * keeps what it links, the store's refusals are audited, and a run killed half-way and run again
 * leaves one record, one row and one audit event.
 */
import { GetObjectRetentionCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shanghaiDayOf } from '../../server/analytics/periods.ts';
import { CLI_ACTOR } from '../../server/cli/actor.ts';
import { CaseService } from '../../server/cases/case-service.ts';
import type { Core } from '../../server/core.ts';
import type { Device } from '../../server/db/schema.ts';
import { objectKeys } from '../../server/ledger/object-keys.ts';
import type { RunningServer } from '../../server/liuhen.ts';
import { expiryKeys } from '../../server/retention/expiry-record.ts';
import { RecordingRetention } from '../../server/retention/recording-retention.ts';
import type { RetentionDeps } from '../../server/retention/retention-deps.ts';
import type { EvidenceStore } from '../../server/storage/evidence-store.ts';
import { cephS3, rawS3Client, s3StoreEnv, type CephS3Settings } from '../helpers/ceph.ts';
import { runCli } from '../helpers/cli.ts';
import { apiFetch } from '../helpers/http.ts';
import { sealedRecording } from '../helpers/sealed-recording.ts';
import { startTestServer, testEnv } from '../helpers/server.ts';
import { signedInUser } from '../helpers/viewing.ts';

/** What the core's RecordingRetention is built with, for one built here over a failing store. */
const retentionDepsOf = (core: Core): RetentionDeps => ({ repos: core.repos, clock: core.clock, store: core.store, audit: core.audit, signingKey: core.signingKey, periods: core.config.retention });

const UNLINKED_S = 3;
const CASE_S = 3600;

let s3: CephS3Settings;
let server: RunningServer;
let env: Record<string, string>;
let camera: Device;
let minutesBack = 0;

beforeAll(async () => {
  s3 = await cephS3();
  env = await testEnv({
    ...(await s3StoreEnv(s3)),
    LIUHEN_RETENTION_UNLINKED_DAYS: `${UNLINKED_S}s`,
    LIUHEN_RETENTION_DAYS: `${CASE_S}s`,
    // The test runs retention itself, when it wants it.
    LIUHEN_RETENTION_RUN_DAYS: 'off',
  });
  server = await startTestServer(env);
  camera = (await server.core.devices.add({ kind: 'bodycam', officerBadge: 'RT-1', unit: 'u1' }, 'test')).device;
}, 120_000);
afterAll(async () => server?.stop());

/** A closed recording that ended an hour ago: its unlinked period is over, its objects' fresh locks are not yet. */
const recording = (gap = false) => sealedRecording(server, camera, new Date(Date.now() - 3_600_000 - ++minutesBack * 60_000), { gap });
const segmentKeys = async (id: string) => server.core.store.list(objectKeys.segmentPrefix(id));
/** Until every lock written so far has passed (Ceph counts whole seconds). */
const locksPass = () => new Promise((r) => setTimeout(r, (UNLINKED_S + 2) * 1000));
async function audited(action: string, subject: string) {
  await server.core.audit.flush();
  return (await server.core.audit.query({ action })).filter((e) => e.subject === subject);
}
const cases = () =>
  new CaseService({ repos: server.core.repos, clock: server.core.clock, audit: server.core.audit, store: server.core.store, signingKey: server.core.signingKey, retentionDays: CASE_S / 86_400 });
const by = { actor: 'test' };

async function linkToNewCase(recordingId: string, caseNo: string) {
  const c = await cases().create({ caseNo, unit: 'u1', title: 'retention' }, by);
  const action = await cases().addAction(c, { kind: 'inspection', stage: 'investigation', at: new Date(Date.now() - 3_600_000).toISOString() }, by);
  await cases().link(c, action.id, { recordingId }, by);
  return c;
}

describe('retention by category', () => {
  it('expires the unlinked recording past its period and keeps the linked and the held one', async () => {
    const [unlinked, linked, held] = [await recording(), await recording(), await recording()];
    const sealedLock = (await server.core.store.head((await segmentKeys(linked))[0]!))!.retainUntil!;

    const c = await linkToNewCase(linked, 'RT-CASE-1');
    const linkedLock = (await server.core.store.head((await segmentKeys(linked))[0]!))!.retainUntil!;
    expect(linkedLock.getTime()).toBeGreaterThanOrEqual(sealedLock.getTime() + (CASE_S - 60) * 1000);
    expect(await audited('retention.extend', linked)).toHaveLength(1);

    const hold = await runCli(['recording', 'hold', held, '--reason', '行政复议申请 2026-17'], env);
    expect(hold.stderr).toBe('');
    expect(hold.code).toBe(0);
    expect(await server.core.store.head((await segmentKeys(held))[0]!)).toMatchObject({ legalHold: true });

    // An object locked longer in the store (written before retention by category, 30 years) holds its recording back.
    const locked = await recording();
    await server.core.store.extendRetention((await segmentKeys(locked))[0]!, new Date(Date.now() + CASE_S * 1000));

    await locksPass();
    const plan = JSON.parse((await runCli(['retention', 'plan', '--json'], env)).stdout) as { due: { recordingId: string; bytes: number }[]; waiting: { recordingId: string; lockedUntil: string }[] };
    const mine = plan.due.filter((e) => [unlinked, linked, held, locked].includes(e.recordingId));
    expect(plan.waiting.filter((e) => e.recordingId === locked)).toEqual([expect.objectContaining({ lockedUntil: expect.any(String) })]);
    expect(mine.map((e) => e.recordingId)).toEqual([unlinked]);
    expect(mine[0]!.bytes).toBeGreaterThan(0);
    // A plan changes nothing.
    expect(await segmentKeys(unlinked)).toHaveLength(1);

    const run = await runCli(['retention', 'run', '--json'], env);
    expect(run.code).toBe(0);
    const expiries = (JSON.parse(run.stdout) as { expiries: { recordingId: string; outcome: string }[] }).expiries;
    expect(expiries.filter((e) => [unlinked, linked, held, locked].includes(e.recordingId))).toEqual([expect.objectContaining({ recordingId: unlinked, outcome: 'expired' })]);

    expect(await segmentKeys(unlinked)).toEqual([]);
    expect(await server.core.store.head(objectKeys.manifest(unlinked))).not.toBeNull();
    expect(await server.core.store.head(expiryKeys.record(unlinked))).not.toBeNull();
    expect(await segmentKeys(linked)).toHaveLength(1);
    expect(await segmentKeys(held)).toHaveLength(1);
    expect(await segmentKeys(locked)).toHaveLength(1);

    const verified = await runCli(['verify', unlinked], env);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toContain('expired under rule unlinked on');
    expect(await server.core.recordingVerification.check(unlinked)).toMatchObject({ ok: true, problems: [], expired: { rule: 'unlinked', complete: true } });
    expect(await server.core.recordingVerification.check(linked)).toMatchObject({ ok: true });

    const report = await server.core.retention.report();
    const u1 = Object.fromEntries(report.rows.filter((r) => r.unit === 'u1').map((r) => [r.category, r]));
    expect(u1.expired).toMatchObject({ recordings: 1, bytes: mine[0]!.bytes });
    for (const category of ['case', 'hold', 'unlinked']) expect(u1[category]?.bytes).toBeGreaterThan(0);
    // The recording still locked in the store is past its period: it is counted as expiring.
    expect(report.expiring.find((e) => e.unit === 'u1')?.recordings).toBeGreaterThanOrEqual(1);

    expect(await server.core.retention.of(unlinked)).toMatchObject({ state: 'expired', expiry: { rule: 'unlinked' } });
    expect(await audited('retention.expire', unlinked)).toEqual([expect.objectContaining({ outcome: 'ok', actor: CLI_ACTOR })]);

    // Archived later, the case keeps what it links: locks from the archiving, and still not expired.
    await cases().end(await cases().load(c.id), {}, by);
    await cases().archive(await cases().load(c.id), by);
    const archivedLock = (await server.core.store.head((await segmentKeys(linked))[0]!))!.retainUntil!;
    expect(archivedLock.getTime()).toBeGreaterThanOrEqual(linkedLock.getTime());
    const client = rawS3Client(s3);
    try {
      const retention = await client.send(new GetObjectRetentionCommand({ Bucket: env.LIUHEN_S3_BUCKET, Key: (await segmentKeys(linked))[0]! }));
      expect(retention.Retention).toMatchObject({ Mode: 'COMPLIANCE' });
    } finally {
      client.destroy();
    }

    // Released, the held recording's period applies again, and it goes.
    expect((await runCli(['recording', 'release', held, '--reason', '复议终结'], env)).code).toBe(0);
    await runCli(['retention', 'run'], env);
    expect(await segmentKeys(held)).toEqual([]);
    expect(await segmentKeys(linked)).toHaveLength(1);
    expect((await audited('recording.hold', held)).map((e) => e.outcome)).toEqual(['ok']);
    expect((await audited('recording.release', held)).map((e) => e.outcome)).toEqual(['ok']);
  }, 120_000);

  it('audits the store refusing a delete when a hold arrives during the run', async () => {
    const id = await recording();
    await locksPass();
    const d = retentionDepsOf(server.core);
    // A custodian's hold lands in the store between the plan and the first delete.
    const store = new Proxy(server.core.store, {
      get(target, prop, receiver) {
        if (prop === 'deleteExpired') {
          return async (key: string) => {
            if (key.startsWith(objectKeys.segmentPrefix(id))) await target.setLegalHold(key, true);
            return target.deleteExpired(key);
          };
        }
        return Reflect.get(target, prop, receiver);
      },
    }) as EvidenceStore;
    const outcomes = await new RecordingRetention({ ...d, store }).expire(by);
    expect(outcomes.find((o) => o.recordingId === id)).toMatchObject({ outcome: 'refused' });
    expect(await segmentKeys(id)).toHaveLength(1);
    const refusals = await audited('retention.expire', id);
    expect(refusals).toEqual([expect.objectContaining({ outcome: 'refused' })]);
    expect(JSON.parse(refusals[0]!.detail)).toMatchObject({ reason: 'object_held' });
  }, 60_000);

  it('finishes an expiry killed half-way, with one record, one row and one audit event', async () => {
    const id = await recording(true);
    expect(await segmentKeys(id)).toHaveLength(2);
    await locksPass();
    const d = retentionDepsOf(server.core);
    let deletes = 0;
    const dying = new Proxy(server.core.store, {
      get(target, prop, receiver) {
        if (prop === 'deleteExpired') {
          return async (key: string) => {
            if (++deletes > 1) throw new Error('killed');
            return target.deleteExpired(key);
          };
        }
        return Reflect.get(target, prop, receiver);
      },
    }) as EvidenceStore;
    expect((await new RecordingRetention({ ...d, store: dying }).expire(by)).find((o) => o.recordingId === id)).toMatchObject({ outcome: 'failed' });
    expect(await segmentKeys(id)).toHaveLength(1);
    const record = await server.core.store.get(expiryKeys.record(id));
    // Half-way, verify already reads the record: the missing segment is expired, not missing.
    const midway = JSON.parse((await runCli(['verify', id, '--json'], env)).stdout) as { ok: boolean; expired: { complete: boolean } };
    expect(midway).toMatchObject({ ok: true, expired: { complete: false } });

    await server.core.retention.expire(by);
    await server.core.retention.expire(by);
    expect(await segmentKeys(id)).toEqual([]);
    expect((await server.core.store.get(expiryKeys.record(id))).equals(record)).toBe(true);
    const rows = await server.core.db.selectFrom('recording_expiries').selectAll().where('recording_id', '=', id).execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.completed_at).not.toBeNull();
    expect((await audited('retention.expire', id)).map((e) => e.outcome)).toEqual(['error', 'ok']);
  }, 60_000);

  it('lets the unit’s custodian hold and release over the API, and refuses anyone else (audited)', async () => {
    const id = await recording();
    const custodian = await signedInUser(server, 'custodian', 'u1', 'RT-K1');
    const other = await signedInUser(server, 'custodian', 'u2', 'RT-K2');
    expect((await apiFetch(server.httpPort, other, `recordings/${id}/hold`, { reason: 'x' })).status).toBe(403);
    const placed = await apiFetch(server.httpPort, custodian, `recordings/${id}/hold`, { reason: '诉讼保全' });
    expect(placed.status).toBe(200);
    expect(await placed.json()).toMatchObject({ recordingId: id, held: true, reason: '诉讼保全' });
    expect((await apiFetch(server.httpPort, custodian, `recordings/${id}/hold`, { reason: 'again' })).status).toBe(409);
    const view = await (await apiFetch(server.httpPort, custodian, `recordings/${id}/retention`)).json();
    expect(view).toMatchObject({ category: 'hold', state: 'kept', keptUntil: null, hold: { reason: '诉讼保全' } });
    expect((await apiFetch(server.httpPort, custodian, `recordings/${id}/release`, { reason: '解除' })).status).toBe(200);
    expect(await server.core.store.head((await segmentKeys(id))[0]!)).toMatchObject({ legalHold: false });
    expect((await audited('recording.hold', id)).map((e) => e.outcome)).toEqual(['refused', 'ok', 'refused']);
  }, 60_000);

  it('reports bytes per unit and category, and sealed per day, to readers of analytics only', async () => {
    await recording();
    const auditor = await signedInUser(server, 'auditor', 'u1', 'RT-A1');
    const custodian = await signedInUser(server, 'custodian', 'u1', 'RT-K3');
    const res = await apiFetch(server.httpPort, auditor, 'retention/report?unit=u1');
    expect(res.status).toBe(200);
    const report = (await res.json()) as { rows: { unit: string; category: string; bytes: number }[]; growth: { days: string[]; units: { unit: string; bytes: number[] }[] } };
    expect(report.rows.find((r) => r.unit === 'u1' && r.category === 'unlinked')?.bytes).toBeGreaterThan(0);
    // What was sealed today is today's growth (the last of thirty Beijing days).
    expect(report.growth.days).toHaveLength(30);
    expect(report.growth.days.at(-1)).toBe(shanghaiDayOf(new Date()));
    expect(report.growth.units.map((u) => u.unit)).toEqual(['u1']);
    expect(report.growth.units[0]!.bytes.at(-1)).toBeGreaterThan(0);
    const printed = await runCli(['retention', 'report', '--days', '2'], env);
    expect(printed.code).toBe(0);
    expect(printed.stdout).toMatch(new RegExp(`sealed per day[^\\n]*\\n  day\\tu1\\n  \\d{4}-\\d\\d-\\d\\d\\t\\d+\\n  ${shanghaiDayOf(new Date())}\\t[1-9]\\d*\\n`));
    expect((await apiFetch(server.httpPort, custodian, 'retention/report')).status).toBe(403);
  }, 60_000);
});

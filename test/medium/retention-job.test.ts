/**
 * On the local store, on SQLite and PostgreSQL: `liuhen up`'s own retention run expires an
 * unlinked recording once its period and locks have passed (audited as the job) and extends what
 * a case links, the view and the report say so, and a segment removed without a signed expiry
 * record — a forged record does not count — is still reported missing by verify.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../server/crypto/hash.ts';
import type { Device } from '../../server/db/schema.ts';
import { objectKeys } from '../../server/ledger/object-keys.ts';
import type { RunningServer } from '../../server/liuhen.ts';
import { EXPIRY_FORMAT, expiryKeys, expiryRecordBytes } from '../../server/retention/expiry-record.ts';
import { RETENTION_ACTOR } from '../../server/retention/retention-job.ts';
import { CaseService } from '../../server/cases/case-service.ts';
import { freshPostgresDatabase } from '../helpers/postgres.ts';
import { sealedRecording } from '../helpers/sealed-recording.ts';
import { startTestServer, testEnv } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';

const dialects: Array<{ name: string; database: () => Promise<Record<string, string>> }> = [
  { name: 'SQLite', database: async () => ({}) },
  { name: 'PostgreSQL', database: async () => ({ LIUHEN_DATABASE_URL: await freshPostgresDatabase() }) },
];

// The two databases wait out their periods and locks side by side (a server each); the tests of each run in order.
describe.concurrent.each(dialects)('the retention job of liuhen up on $name', ({ database }) => {
  let server: RunningServer;
  let camera: Device;

  beforeAll(async () => {
    server = await startTestServer(await testEnv({ ...(await database()), LIUHEN_RETENTION_UNLINKED_DAYS: '2s', LIUHEN_RETENTION_RUN_DAYS: '1s' }));
    camera = (await server.core.devices.add({ kind: 'bodycam', officerBadge: 'RJ-1', unit: 'u1' }, 'test')).device;
  }, 60_000);
  afterAll(async () => server?.stop());

  const segments = (id: string) => server.core.store.list(objectKeys.segmentPrefix(id));

  it.sequential(
    'expires an unlinked recording once its period and locks have passed',
    async () => {
      const id = await sealedRecording(server, camera, new Date(Date.now() - 3_600_000));
      await waitFor('the job to expire the recording', async () => (await segments(id)).length === 0, 30_000);
      await waitFor(
        'the expiry to complete',
        async () => (await server.core.db.selectFrom('recording_expiries').select('completed_at').where('recording_id', '=', id).executeTakeFirst())?.completed_at,
        10_000,
      );
      await server.core.audit.flush();
      const events = (await server.core.audit.query({ action: 'retention.expire' })).filter((e) => e.subject === id);
      expect(events).toEqual([expect.objectContaining({ actor: RETENTION_ACTOR, outcome: 'ok' })]);
      expect(await server.core.recordingVerification.check(id)).toMatchObject({ ok: true, expired: { rule: 'unlinked', complete: true } });
      expect(await server.core.retention.of(id)).toMatchObject({ category: 'unlinked', state: 'expired', expiry: { rule: 'unlinked' } });
    },
    60_000,
  );

  it.sequential(
    'keeps a recording a case links, and counts it under `case`',
    async () => {
      const id = await sealedRecording(server, camera, new Date(Date.now() - 7_200_000));
      const cases = new CaseService({
        repos: server.core.repos,
        clock: server.core.clock,
        audit: server.core.audit,
        store: server.core.store,
        signingKey: server.core.signingKey,
        retentionDays: server.core.config.retentionDays,
      });
      const c = await cases.create({ caseNo: `RJ-${id}`, unit: 'u1', title: 'kept' }, { actor: 'test' });
      const action = await cases.addAction(c, { kind: 'inspection', stage: 'investigation', at: new Date(Date.now() - 7_200_000).toISOString() }, { actor: 'test' });
      await cases.link(c, action.id, { recordingId: id }, { actor: 'test' });
      // Several runs of the job go by: the recording stays.
      await new Promise((r) => setTimeout(r, 4000));
      expect(await segments(id)).toHaveLength(1);
      expect(await server.core.retention.of(id)).toMatchObject({ category: 'case', state: 'kept' });
      const report = await server.core.retention.report('u1');
      expect(report.rows.find((r) => r.category === 'case')).toMatchObject({ unit: 'u1', recordings: 1 });
      expect(report.rows.find((r) => r.category === 'expired')?.recordings).toBeGreaterThanOrEqual(1);
    },
    60_000,
  );

  it.sequential(
    'does not excuse a segment removed under a forged expiry record',
    async () => {
      const id = await sealedRecording(server, camera, new Date(Date.now() + 3_600_000));
      const [key] = await segments(id);
      const sealed = (await server.core.store.head(key!))!;
      // Past its lock, a rogue caller deletes the segment and leaves an unsigned record naming it.
      await new Promise((r) => setTimeout(r, Math.max(0, sealed.retainUntil!.getTime() - Date.now()) + 100));
      await server.core.store.deleteExpired(key!);
      const forged = expiryRecordBytes({
        format: EXPIRY_FORMAT,
        recordingId: id,
        headLink: 'x',
        rule: 'unlinked',
        periodMs: 2000,
        periodEndedAt: new Date().toISOString(),
        expiredAt: new Date().toISOString(),
        objects: [{ key: key!, size: sealed.size, sha256: sealed.sha256 ?? null }],
        bytes: sealed.size,
        signingKey: server.core.signingKey.fingerprint,
      });
      await server.core.store.putOnce(expiryKeys.record(id), forged, { sha256: sha256Hex(forged), retainUntil: new Date(Date.now() + 60_000) });
      const report = await server.core.recordingVerification.check(id);
      expect(report.ok).toBe(false);
      expect(report.expired).toBeUndefined();
      expect(report.problems.map((p) => p.what)).toEqual(expect.arrayContaining(['signature', 'missing_object']));
    },
    30_000,
  );
});

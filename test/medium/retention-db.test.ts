/**
 * An expiry, once recorded, stays on record (issue 17: nothing disappears without a trace): on
 * SQLite and PostgreSQL the database refuses removing an expiry row or rewriting it, and lets its
 * completion be written once. And on both, the retention report's growth counts each segment on
 * the Beijing day the ledger sealed it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Db, openDatabase } from '../../server/db/database.ts';
import { repositoriesOf } from '../../server/db/repositories.ts';
import { RetentionReports } from '../../server/retention/retention-report.ts';
import { freshPostgresDatabase } from '../helpers/postgres.ts';
import { seedRecordings } from '../helpers/seeded-recordings.ts';

const dialects: Array<{ name: string; url: () => Promise<string> }> = [
  { name: 'SQLite', url: async () => `sqlite:${path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'liuhen-retention-db-')), 'liuhen.sqlite')}` },
  { name: 'PostgreSQL', url: freshPostgresDatabase },
];

describe.each(dialects)('recording_expiries on $name', ({ url }) => {
  let db: Db;

  beforeAll(async () => {
    db = await openDatabase(await url());
    await seedRecordings(
      db,
      [{ id: 'dev-x', kind: 'bodycam', officer: 'X1', unit: 'u1' }],
      [{ id: 'rec-x', device: 'dev-x', startedAt: '2026-01-02T00:00:00.000Z', durationMs: 2000, late: false, flags: [] }],
    );
    await db
      .insertInto('recording_expiries')
      .values({
        recording_id: 'rec-x',
        rule: 'unlinked',
        period_ended_at: '2026-07-04T00:00:02.000Z',
        started_at: '2026-07-05T00:00:00.000Z',
        record_key: 'recordings/rec-x/expiry.json',
        objects: 2,
        bytes: 100,
        completed_at: null,
      })
      .execute();
  }, 60_000);
  afterAll(async () => db?.destroy());

  it('refuses rewriting an expiry, completes it once, and never removes it', async () => {
    await expect(sql`UPDATE recording_expiries SET bytes = 1 WHERE recording_id = 'rec-x'`.execute(db)).rejects.toThrow(/recording_expiries is append-only/);
    await sql`UPDATE recording_expiries SET completed_at = '2026-07-05T00:00:01.000Z' WHERE recording_id = 'rec-x'`.execute(db);
    await expect(sql`UPDATE recording_expiries SET completed_at = '2026-07-06T00:00:00.000Z' WHERE recording_id = 'rec-x'`.execute(db)).rejects.toThrow(/recording_expiries is append-only/);
    await expect(sql`DELETE FROM recording_expiries WHERE recording_id = 'rec-x'`.execute(db)).rejects.toThrow(/recording_expiries is append-only/);
    expect(await db.selectFrom('recording_expiries').select(['bytes', 'completed_at']).execute()).toEqual([{ bytes: 100, completed_at: '2026-07-05T00:00:01.000Z' }]);
  });
});

describe.each(dialects)('the retention report on $name', ({ url }) => {
  let db: Db;
  // 11:00 on 10 July in Beijing.
  const now = new Date('2026-07-10T03:00:00.000Z');
  const report = (unit: string | null, days?: number) =>
    new RetentionReports({ repos: repositoriesOf(db), periods: { unlinkedMs: 86_400_000, caseMs: 86_400_000 }, clock: { now: () => now } }).report(unit, days);

  beforeAll(async () => {
    db = await openDatabase(await url());
    await seedRecordings(
      db,
      [
        { id: 'dev-1', kind: 'bodycam', officer: 'G1', unit: 'u1' },
        { id: 'dev-2', kind: 'bodycam', officer: 'G2', unit: 'u2' },
      ],
      [
        { id: 'rec-a', device: 'dev-1', startedAt: '2026-07-08T15:00:00.000Z', durationMs: 4000, late: false, flags: [] },
        { id: 'rec-b', device: 'dev-1', startedAt: '2026-07-10T02:00:00.000Z', durationMs: 2000, late: false, flags: [] },
        { id: 'rec-c', device: 'dev-2', startedAt: '2026-07-01T01:00:00.000Z', durationMs: 6000, late: true, flags: [] },
      ],
    );
    const entry = (recordingId: string, idx: number, size: number | null, sealedAt: string) => ({
      recording_id: recordingId,
      idx,
      kind: size === null ? ('gap' as const) : ('segment' as const),
      sha256: null,
      object_key: null,
      size,
      start_at: sealedAt,
      duration_ms: 2000,
      cause: size === null ? ('network' as const) : null,
      link: `link-${recordingId}-${idx}`,
      source: `seed/${recordingId}/${idx}`,
      marker_by: null,
      sealed_at: sealedAt,
    });
    await db
      .insertInto('ledger_entries')
      .values([
        entry('rec-a', 1, 1000, '2026-07-08T15:59:59.999Z'), // 23:59:59 on 8 July in Beijing
        entry('rec-a', 2, null, '2026-07-08T16:00:00.000Z'), // a gap: no bytes
        entry('rec-a', 3, 2000, '2026-07-08T16:00:00.000Z'), // midnight: 9 July
        entry('rec-b', 1, 4000, '2026-07-10T02:00:00.000Z'),
        entry('rec-c', 1, 8000, '2026-07-09T01:00:00.000Z'), // an upload, sealed days after it was recorded
        entry('rec-c', 2, 16000, '2026-07-07T15:59:59.000Z'), // 7 July: before a three-day span
        entry('rec-c', 3, 32000, '2026-07-10T16:00:00.000Z'), // 11 July: after now's day
      ])
      .execute();
  }, 60_000);
  afterAll(async () => db?.destroy());

  it('counts the bytes sealed on each Beijing day of the span, per unit', async () => {
    expect((await report(null, 3)).growth).toEqual({
      days: ['2026-07-08', '2026-07-09', '2026-07-10'],
      units: [
        { unit: 'u1', bytes: [1000, 2000, 4000] },
        { unit: 'u2', bytes: [0, 8000, 0] },
      ],
    });
    expect((await report('u2', 3)).growth.units).toEqual([{ unit: 'u2', bytes: [0, 8000, 0] }]);
    expect((await report(null, 1)).growth).toEqual({ days: ['2026-07-10'], units: [{ unit: 'u1', bytes: [4000] }] });

    // Thirty days unless asked otherwise, today last.
    const { growth } = await report(null);
    expect(growth.days).toHaveLength(30);
    expect([growth.days[0], growth.days[29]]).toEqual(['2026-06-11', '2026-07-10']);
    expect(growth.units.find((u) => u.unit === 'u2')!.bytes.slice(-4)).toEqual([16000, 0, 8000, 0]);
  });
});

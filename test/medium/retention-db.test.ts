/**
 * An expiry, once recorded, stays on record (issue 17: nothing disappears without a trace): on
 * SQLite and PostgreSQL the database refuses removing an expiry row or rewriting it, and lets its
 * completion be written once.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Db, openDatabase } from '../../server/db/database.ts';
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
    await seedRecordings(db, [{ id: 'dev-x', kind: 'bodycam', officer: 'X1', unit: 'u1' }], [{ id: 'rec-x', device: 'dev-x', startedAt: '2026-01-02T00:00:00.000Z', durationMs: 2000, late: false, flags: [] }]);
    await db
      .insertInto('recording_expiries')
      .values({ recording_id: 'rec-x', rule: 'unlinked', period_ended_at: '2026-07-04T00:00:02.000Z', started_at: '2026-07-05T00:00:00.000Z', record_key: 'recordings/rec-x/expiry.json', objects: 2, bytes: 100, completed_at: null })
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

/**
 * Evidence tampering, each kind caught by `liuhen verify` naming the right entry. One recording
 * is sealed once from a prepared clip (what is tested is verification, not ingest); each case
 * tampers with its own copy of the data directory, as root would (around the read-only bits), and
 * runs the real command on it.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../server/crypto/hash.ts';
import type { LedgerEntry } from '../../server/db/schema.ts';
import { type ChainEntry, entryLine, linkOf } from '../../server/ledger/chain.ts';
import { runCli } from '../helpers/cli.ts';
import { entriesOf } from '../helpers/recordings.ts';
import { preparedClip, sealClip } from '../helpers/sealed-clip.ts';
import { startTestServer, testEnv } from '../helpers/server.ts';

let env: Record<string, string>;
let recordingId: string;
let entries: LedgerEntry[];

beforeAll(async () => {
  env = await testEnv();
  const server = await startTestServer(env);
  const { device } = await server.core.devices.add({ kind: 'bodycam', officerBadge: 'T2002' }, 'test');
  recordingId = (await sealClip(server.core, device, preparedClip({ seconds: 12 }))).id;
  entries = await entriesOf(server.core.db, recordingId);
  await server.stop();
  expect(entries.length).toBeGreaterThanOrEqual(5);
});

/** A copy of the whole data directory to tamper with; returns its env and paths. */
function copy() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'liuhen-tamper-'));
  execFileSync('cp', ['-a', `${env.LIUHEN_DATA_DIR}/.`, dir]);
  const segment = (idx: number) => path.join(dir, 'evidence', 'recordings', recordingId, 'segments', `${String(idx).padStart(6, '0')}.ts`);
  const dbFile = path.join(dir, 'liuhen.sqlite');
  // The database refuses to rewrite the ledger; whoever holds its file can drop those triggers first,
  // and verification must catch them all the same.
  const db = new Database(dbFile);
  for (const { name } of db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").all() as { name: string }[]) db.exec(`DROP TRIGGER "${name}"`);
  db.close();
  return { env: { ...env, LIUHEN_DATA_DIR: dir }, dir, segment, dbFile };
}

function overwrite(file: string, bytes: Buffer) {
  fs.chmodSync(file, 0o644);
  fs.writeFileSync(file, bytes);
  fs.chmodSync(file, 0o444);
}

/** Rewrites the ledger rows from `fromIdx` on with links recomputed, as a careful forger would. */
function relink(db: Database.Database, fromIdx: number) {
  const rows = db.prepare('SELECT * FROM ledger_entries WHERE recording_id = ? ORDER BY idx').all(recordingId) as LedgerEntry[];
  const header = (db.prepare('SELECT header_line FROM recordings WHERE id = ?').get(recordingId) as { header_line: string }).header_line;
  let prev = linkOf(header);
  for (const r of rows) {
    const e: ChainEntry = { kind: 'segment', idx: r.idx, sha256: r.sha256!, startAt: r.start_at, durationMs: r.duration_ms };
    const link = linkOf(entryLine(prev, e));
    if (r.idx >= fromIdx) db.prepare('UPDATE ledger_entries SET link = ? WHERE recording_id = ? AND idx = ?').run(link, recordingId, r.idx);
    prev = link;
  }
  db.prepare('UPDATE recordings SET head_link = ?, entry_count = ? WHERE id = ?').run(prev, rows.length, recordingId);
}

async function verifyFails(copyEnv: Record<string, string>) {
  const r = await runCli(['verify', recordingId], copyEnv);
  expect(r.code, r.stdout + r.stderr).toBe(1);
  return r.stdout;
}

describe('liuhen verify on tampered evidence', () => {
  it('passes on the untouched copy', async () => {
    const c = copy();
    const r = await runCli(['verify', recordingId], c.env);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });

  it('names the segment with one flipped byte', async () => {
    const c = copy();
    const bytes = fs.readFileSync(c.segment(3));
    bytes[1000] = bytes[1000]! ^ 0x01;
    overwrite(c.segment(3), bytes);
    const out = await verifyFails(c.env);
    expect(out).toMatch(/BROKEN at entry 3 — segment 3: stored bytes hash to/);
  });

  it('names a segment removed from the store', async () => {
    const c = copy();
    fs.rmSync(c.segment(2), { force: true });
    expect(await verifyFails(c.env)).toMatch(/BROKEN at entry 2 — segment 2: object .*000002\.ts is missing/);
  });

  it('names the first of two swapped segments', async () => {
    const c = copy();
    const a = fs.readFileSync(c.segment(2));
    const b = fs.readFileSync(c.segment(4));
    overwrite(c.segment(2), b);
    overwrite(c.segment(4), a);
    const out = await verifyFails(c.env);
    expect(out).toMatch(/BROKEN at entry 2 — segment 2: stored bytes hash to/);
    expect(out).toMatch(/segment 4: stored bytes hash to/);
  });

  it('names a foreign segment inserted into the ledger and the store, even with the links forged', async () => {
    const c = copy();
    // foreign footage: a segment of another camera, cut by ffmpeg from a lavfi pattern
    const foreignFile = path.join(c.dir, 'foreign.ts');
    execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=640x360:rate=25', '-t', '2', '-c:v', 'libx264', '-preset', 'ultrafast', '-f', 'mpegts', foreignFile]);
    const foreign = fs.readFileSync(foreignFile);
    const db = new Database(c.dbFile);
    const rows = db.prepare('SELECT idx FROM ledger_entries WHERE recording_id = ? AND idx >= 3 ORDER BY idx DESC').all(recordingId) as { idx: number }[];
    for (const { idx } of rows) db.prepare('UPDATE ledger_entries SET idx = idx + 1 WHERE recording_id = ? AND idx = ?').run(recordingId, idx);
    const key = `recordings/${recordingId}/segments/000003x.ts`;
    fs.writeFileSync(path.join(c.dir, 'evidence', key), foreign);
    const third = entries[2]!;
    db.prepare(
      'INSERT INTO ledger_entries (recording_id, idx, kind, sha256, object_key, size, start_at, duration_ms, cause, link, source, sealed_at) VALUES (?, 3, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?)',
    ).run(recordingId, 'segment', sha256Hex(foreign), key, foreign.length, third.start_at, 2000, 'x', 'forged', third.sealed_at);
    relink(db, 3);
    db.close();
    const out = await verifyFails(c.env);
    // Named at entry 3 by both the signed manifest and the checkpoint written as the recording closed.
    expect(out).toMatch(/BROKEN at entry 3 — /);
    expect(out).toMatch(/entry 3 differs from the signed manifest/);
    expect(out).toMatch(/checkpoint .* no longer matches the head written while live/);
  });

  it("names an object slipped into the recording's store space without a ledger row", async () => {
    const c = copy();
    fs.copyFileSync(c.segment(1), path.join(path.dirname(c.segment(1)), '000001b.ts'));
    expect(await verifyFails(c.env)).toMatch(/000001b\.ts is in the recording's store space but not in its ledger/);
  });

  it('names a ledger row edited in the database, with or without forged links', async () => {
    const naive = copy();
    let db = new Database(naive.dbFile);
    db.prepare('UPDATE ledger_entries SET duration_ms = duration_ms + 500 WHERE recording_id = ? AND idx = 4').run(recordingId);
    db.close();
    expect(await verifyFails(naive.env)).toMatch(/BROKEN at entry 4 — entry 4: link does not follow/);

    const careful = copy();
    db = new Database(careful.dbFile);
    db.prepare("UPDATE ledger_entries SET start_at = '2020-01-01T00:00:00.000Z' WHERE recording_id = ? AND idx = 4").run(recordingId);
    relink(db, 4);
    db.close();
    const out = await verifyFails(careful.env);
    expect(out).toMatch(/BROKEN at entry 4 — /);
    expect(out).toMatch(/entry 4 differs from the signed manifest/);
  });
});

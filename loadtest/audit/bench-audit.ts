/**
 * npm run bench:audit [-- --nodes 1,3 --seconds 10 --concurrency 50]
 *
 * Audit appends per second with 1 and with 3 nodes writing the same PostgreSQL audit chain at once
 * (each node a process with liuhen's AuditLog, `concurrency` callers back to back: a busy API node's
 * playlist and segment requests), against the same processes inserting the same rows into an unchained
 * table (the peer: what the database itself takes). The ratio is chained ÷ plain, in the same run.
 * Afterwards the chain is verified link by link, so a rate bought with a broken chain shows.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { z } from 'zod';
import { AUDIT_GENESIS, auditEventLine } from '../../server/audit/audit-log.ts';
import { sha256Hex } from '../../server/crypto/hash.ts';
import { openDatabase } from '../../server/db/database.ts';
import type { AuditEvent } from '../../server/db/schema.ts';

const args = z
  .object({
    nodes: z
      .string()
      .default('1,3')
      .transform((s) => s.split(',').map((n) => z.coerce.number().int().min(1).max(16).parse(n))),
    seconds: z.coerce.number().positive().default(10),
    concurrency: z.coerce.number().int().min(1).default(50),
  })
  .parse(parseArgs({ options: { nodes: { type: 'string' }, seconds: { type: 'string' }, concurrency: { type: 'string' } } }).values);

const ADMIN = process.env.LIUHEN_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const WRITER = path.join(import.meta.dirname, 'audit-writer.ts');

interface Outcome {
  ok: number;
  failed: number;
  firstError?: string;
}

async function freshDatabase(name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: ADMIN });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name}`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(ADMIN);
  url.pathname = `/${name}`;
  const db = await openDatabase(url.toString());
  await db.destroy();
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  await client.query('CREATE TABLE plain_events (id bigserial PRIMARY KEY, at text, actor text, action text, subject text, outcome text, object text, bytes bigint)');
  await client.end();
  return url.toString();
}

async function round(url: string, mode: 'chained' | 'plain', nodes: number): Promise<Outcome & { perSecond: number }> {
  const children = Array.from({ length: nodes }, (_, i) =>
    spawn(process.execPath, ['--import', 'tsx', WRITER, url, mode, String(args.seconds), String(args.concurrency), `n${i}`], { stdio: ['pipe', 'pipe', 'inherit'] }),
  );
  const outputs = children.map(
    (c) =>
      new Promise<Outcome>((resolve, reject) => {
        let out = '';
        c.stdout.on('data', (d: Buffer) => (out += d.toString()));
        c.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!) as Outcome) : reject(new Error(`writer exited ${code}`))));
      }),
  );
  // The writers load and connect first; then all start together.
  await new Promise((r) => setTimeout(r, 4000));
  for (const c of children) c.stdin.write('go\n');
  const all = await Promise.all(outputs);
  const ok = all.reduce((a, o) => a + o.ok, 0);
  const failed = all.reduce((a, o) => a + o.failed, 0);
  return { ok, failed, firstError: all.find((o) => o.firstError)?.firstError, perSecond: Math.round(ok / args.seconds) };
}

/** Walks the chain from genesis; the number of events, or throws at the first broken link. */
async function verifiedLength(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  let prev = AUDIT_GENESIS;
  let count = 0;
  for (let after = 0; ;) {
    const { rows } = await client.query<AuditEvent>('SELECT * FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT 5000', [after]);
    if (rows.length === 0) break;
    for (const e of rows) {
      const { hash, ...rest } = e;
      if (e.prev_hash !== prev || sha256Hex(auditEventLine({ ...rest, seq: Number(e.seq) })) !== hash) throw new Error(`audit chain broken at seq ${e.seq}`);
      prev = hash;
      count++;
      after = Number(e.seq);
    }
  }
  await client.end();
  return count;
}

console.log(`audit appends/s, ${args.concurrency} callers per node, ${args.seconds} s per round`);
console.log('nodes | chained/s | plain INSERT/s | ratio | failed appends | chain verified');
for (const nodes of args.nodes) {
  const url = await freshDatabase(`liuhen_bench_audit_${nodes}`);
  const chained = await round(url, 'chained', nodes);
  const plain = await round(url, 'plain', nodes);
  const length = await verifiedLength(url);
  console.log(
    `${nodes} | ${chained.perSecond} | ${plain.perSecond} | ${(chained.perSecond / plain.perSecond).toFixed(2)} | ${chained.failed}${chained.firstError ? ` (${chained.firstError.slice(0, 80)})` : ''} | ${length === chained.ok ? 'yes' : `no: ${length} of ${chained.ok}`}`,
  );
}

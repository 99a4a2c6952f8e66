/**
 * What one liuhen node cost the services it shares with other nodes, read from each service:
 * PostgreSQL's statistics of the run's own database (pg_stat_database and pg_stat_user_tables;
 * pg_stat_statements would need a restart to load), Redis's INFO and the BullMQ queue's counts on
 * a Redis of the run's own, and the versions in the run's own bucket.
 */
import { ListObjectVersionsCommand, type S3Client } from '@aws-sdk/client-s3';
import { Queue } from 'bullmq';
import net from 'node:net';
import pg from 'pg';

export interface PgCounts {
  commits: number;
  inserted: number;
  updated: number;
  deleted: number;
  /** rows inserted + updated + deleted, by table */
  byTable: Record<string, number>;
}

/** The database's counters as PostgreSQL last flushed them (it flushes each backend's about once a second). */
export async function pgCounts(admin: pg.Client, run: pg.Client, database: string): Promise<PgCounts> {
  const { rows } = await admin.query<{ commits: string; inserted: string; updated: string; deleted: string }>(
    'SELECT xact_commit AS commits, tup_inserted AS inserted, tup_updated AS updated, tup_deleted AS deleted FROM pg_stat_database WHERE datname = $1',
    [database],
  );
  const tables = await run.query<{ relname: string; writes: string }>('SELECT relname, n_tup_ins + n_tup_upd + n_tup_del AS writes FROM pg_stat_user_tables');
  const r = rows[0]!;
  return {
    commits: Number(r.commits),
    inserted: Number(r.inserted),
    updated: Number(r.updated),
    deleted: Number(r.deleted),
    byTable: Object.fromEntries(tables.rows.filter((t) => Number(t.writes) > 0).map((t) => [t.relname, Number(t.writes)])),
  };
}

export function pgDelta(a: PgCounts, b: PgCounts): PgCounts {
  const byTable: Record<string, number> = {};
  for (const [t, n] of Object.entries(b.byTable)) if (n - (a.byTable[t] ?? 0) > 0) byTable[t] = n - (a.byTable[t] ?? 0);
  return { commits: b.commits - a.commits, inserted: b.inserted - a.inserted, updated: b.updated - a.updated, deleted: b.deleted - a.deleted, byTable };
}

export interface RedisCounts {
  /** every command Redis ran (INFO commandstats) */
  commands: number;
  /** jobs in the queue by state (BullMQ keeps completed ones for a day) */
  jobs: Record<string, number>;
}

/** `INFO commandstats` over a socket of its own (BullMQ's client types offer INFO without sections). */
function commandStats(redisUrl: string): Promise<string> {
  const u = new URL(redisUrl);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(u.port || 6379), u.hostname);
    let text = '';
    socket.once('connect', () => socket.write('INFO commandstats\r\n'));
    socket.on('data', (d) => {
      text += d.toString();
      // a bulk string: $<length>\r\n<body>\r\n
      const length = Number(/^\$(\d+)\r\n/.exec(text)?.[1]);
      if (text.length >= text.indexOf('\r\n') + 2 + length + 2) {
        socket.destroy();
        resolve(text);
      }
    });
    socket.once('error', reject);
  });
}

export async function redisCounts(redisUrl: string, queue: Queue): Promise<RedisCounts> {
  const stats = await commandStats(redisUrl);
  // The INFO call itself is counted too, and BullMQ's count calls below: a few per reading, taken off with the idle rate.
  const commands = [...stats.matchAll(/^cmdstat_[^:]+:calls=(\d+)/gm)].reduce((a, m) => a + Number(m[1]), 0);
  const jobs = await queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'completed', 'failed');
  return { commands, jobs };
}

export function openQueue(redisUrl: string, prefix: string): Queue {
  return new Queue('jobs', { connection: { url: redisUrl }, prefix });
}

export interface StoredClass {
  objects: number;
  bytes: number;
}

/** What the bucket holds, every version counted: originals, derivatives, and the rest (checkpoints, manifests, keys). */
export async function bucketContents(s3: S3Client, bucket: string): Promise<Record<'originals' | 'derivatives' | 'ledger', StoredClass>> {
  const out = { originals: { objects: 0, bytes: 0 }, derivatives: { objects: 0, bytes: 0 }, ledger: { objects: 0, bytes: 0 } };
  let KeyMarker: string | undefined;
  let VersionIdMarker: string | undefined;
  do {
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, KeyMarker, VersionIdMarker }));
    for (const v of page.Versions ?? []) {
      const c = /^recordings\/[^/]+\/segments\//.test(v.Key!) ? out.originals : v.Key!.startsWith('derivatives/') ? out.derivatives : out.ledger;
      c.objects++;
      c.bytes += v.Size ?? 0;
    }
    [KeyMarker, VersionIdMarker] = page.IsTruncated ? [page.NextKeyMarker, page.NextVersionIdMarker] : [undefined, undefined];
  } while (KeyMarker);
  return out;
}

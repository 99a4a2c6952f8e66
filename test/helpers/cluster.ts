/**
 * A cluster of liuhen nodes on this machine, for tests and benchmarks of many nodes: their settings
 * over one fresh PostgreSQL database and one fresh Ceph bucket, cameras that reconnect through the
 * balancer as real ones do.
 */
import path from 'node:path';
import pg from 'pg';
import { cephS3, s3StoreEnv } from './ceph.ts';
import { runCli } from './cli.ts';
import { freshPostgresDatabase } from './postgres.ts';
import { publish, type Publisher } from './publisher.ts';
import { testEnv } from './server.ts';

/** Settings every node of one deployment shares; the rest (ports, data dir) are each node's. */
const SHARED = /^LIUHEN_(S3_|RETENTION|DATABASE_URL$|QUEUE_PREFIX$|STORE$)/;

/** n nodes' settings: the first node's keys for all (as `liuhen keys init` and a copy would give them). */
export async function clusterEnvs(n: number): Promise<Record<string, string>[]> {
  const first = await testEnv({ LIUHEN_DATABASE_URL: await freshPostgresDatabase(), ...(await s3StoreEnv(await cephS3())) });
  const shared = Object.fromEntries(Object.entries(first).filter(([k]) => SHARED.test(k)));
  const envs = [first];
  for (let i = 1; i < n; i++) envs.push({ ...(await testEnv()), ...shared, LIUHEN_KEYS_DIR: path.join(first.LIUHEN_DATA_DIR!, 'keys') });
  return envs;
}

/** Registers a body camera with `liuhen device add`; its id and its publish URL through the balancer's RTMP port. */
export async function addCamera(env: Record<string, string>, officer: string, balancerRtmpPort: number): Promise<{ deviceId: string; url: string }> {
  const added = await runCli(['device', 'add', '--kind', 'bodycam', '--officer', officer], env);
  if (added.code !== 0) throw new Error(`device add failed: ${added.stderr}`);
  const url = new URL(/publish URL[^:]*: (\S+)/.exec(added.stdout)![1]!);
  return { deviceId: /device (\S+)/.exec(added.stdout)![1]!, url: `rtmp://127.0.0.1:${balancerRtmpPort}${url.pathname}${url.search}` };
}

export interface Camera {
  stop(): void;
}

/** A camera publishing to `url` until stopped, starting a new publish half a second after one ends, as a real one retries. */
export function reconnectingCamera(url: string): Camera {
  let current: Publisher | undefined;
  let stopped = false;
  const next = () => {
    if (stopped) return;
    const p = (current = publish(url, 600));
    void p.exited.then(() => setTimeout(next, 500));
  };
  next();
  return {
    stop: () => {
      stopped = true;
      current?.stop();
    },
  };
}

/** The cluster's one database as a test reads it across nodes. */
export class ClusterDb {
  private readonly pool: pg.Pool;

  constructor(url: string) {
    this.pool = new pg.Pool({ connectionString: url, max: 4 });
  }

  async rows<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
    return (await this.pool.query<T>(text, values)).rows;
  }

  /** The id of the live node running as process `pid`. */
  async nodeOf(pid: number): Promise<string> {
    const [row] = await this.rows<{ id: string }>('SELECT id FROM nodes WHERE pid = $1 AND stopped_at IS NULL', [pid]);
    return row!.id;
  }

  /** The node holding the device's lease, if any. */
  async leaseHolder(deviceId: string): Promise<string | undefined> {
    const [row] = await this.rows<{ node_id: string }>('SELECT node_id FROM device_leases WHERE device_id = $1', [deviceId]);
    return row?.node_id;
  }

  end(): Promise<void> {
    return this.pool.end();
  }
}

import pg from 'pg';

/**
 * One deployment-wide lock for the duties a single node runs (server/cluster/leadership.ts): a
 * PostgreSQL session-level advisory lock, held on a connection of its own. PostgreSQL frees it
 * when that session ends — a clean release, the connection cut, the node killed — so no lease
 * needs renewing and no row outlives its holder. On SQLite the database is one machine's and its
 * only node always holds it.
 */
export interface LeaderLock {
  /** True once this lock's session holds it, false while another does; throws when the database cannot be reached. */
  tryAcquire(): Promise<boolean>;
  /** Resolves while the session holding the lock still answers; throws once it has gone. */
  check(): Promise<void>;
  /** Ends the session (and so the lock, if held). */
  release(): Promise<void>;
  /** `lost` is called when the session goes away on its own (server restart, connection cut). */
  onLost(lost: () => void): void;
}

/** A connect or a query that hangs (a half-up server, a cut route) must fail, so the holder steps down and retries. */
const TIMEOUT_MS = 5000;

/** `holder`: names the lock's session in pg_stat_activity (application_name), so an operator sees which node leads. */
export function leaderLockFor(databaseUrl: string, name: string, holder = 'liuhen'): LeaderLock {
  if (databaseUrl.startsWith('sqlite:')) {
    return { tryAcquire: async () => true, check: async () => undefined, release: async () => undefined, onLost: () => undefined };
  }
  return new AdvisoryLock(databaseUrl, name, holder);
}

class AdvisoryLock implements LeaderLock {
  private client: pg.Client | null = null;
  private lost: () => void = () => undefined;

  constructor(
    private readonly url: string,
    private readonly name: string,
    private readonly holder: string,
  ) {}

  onLost(lost: () => void): void {
    this.lost = lost;
  }

  async tryAcquire(): Promise<boolean> {
    const client = await this.session();
    const { rows } = await client.query<{ held: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS held', [this.name]);
    return rows[0]!.held;
  }

  async check(): Promise<void> {
    if (!this.client) throw new Error('leader lock: no session');
    await this.client.query('SELECT 1');
  }

  async release(): Promise<void> {
    const client = this.client;
    this.client = null;
    // Ending the session frees the lock; a session already gone has nothing to free.
    await client?.end().catch(() => undefined);
  }

  private async session(): Promise<pg.Client> {
    if (this.client) return this.client;
    const client = new pg.Client({
      connectionString: this.url,
      application_name: this.holder,
      connectionTimeoutMillis: TIMEOUT_MS,
      query_timeout: TIMEOUT_MS,
      keepAlive: true,
    });
    // Unheard, a socket error would end the process; it ends only this session (and the lock with it).
    const gone = () => {
      if (this.client !== client) return;
      this.client = null;
      this.lost();
    };
    client.on('error', gone);
    client.on('end', gone);
    try {
      await client.connect();
    } catch (e) {
      await client.end().catch(() => undefined);
      throw e;
    }
    this.client = client;
    return client;
  }
}

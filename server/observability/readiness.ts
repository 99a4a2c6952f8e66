/**
 * /readyz: whether this server can take and keep evidence now. Each part is asked with a short
 * timeout, so a part that hangs (a database behind a dead network) is reported as down instead of
 * holding the answer. /healthz is liveness only and asks none of them.
 */
import type { HealthRepository } from '../db/health-repository.ts';
import type { DiskReserve } from '../storage/disk-reserve.ts';
import type { EvidenceStore } from '../storage/evidence-store.ts';

export interface Check {
  ok: boolean;
  message: string;
}

export interface Readiness {
  ok: boolean;
  checks: Record<'database' | 'store' | 'redis' | 'disk' | 'ingest', Check>;
}

export interface ReadinessParts {
  health: HealthRepository;
  store: EvidenceStore;
  /** resolves when Redis answers a PING */
  pingRedis: () => Promise<void>;
  diskReserve: DiskReserve;
  /** whether the RTMP listener is accepting connections */
  ingestListening: () => boolean;
  timeoutMs?: number;
}

const TIMEOUT_MS = 2000;
/** Never written: a HEAD of it only proves the store answers. */
const PROBE_KEY = 'readyz/probe';

async function within(ms: number, probe: () => Promise<string>): Promise<Check> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)));
  try {
    return { ok: true, message: await Promise.race([probe(), late]) };
  } catch (e) {
    return { ok: false, message: (e as Error).message.slice(0, 300) };
  } finally {
    clearTimeout(timer);
  }
}

export function readiness(parts: ReadinessParts): () => Promise<Readiness> {
  const ms = parts.timeoutMs ?? TIMEOUT_MS;
  return async () => {
    const [database, store, redis] = await Promise.all([
      within(ms, async () => {
        await parts.health.ping();
        return 'answers';
      }),
      within(ms, async () => {
        await parts.store.head(PROBE_KEY);
        return `${parts.store.kind} store answers`;
      }),
      within(ms, async () => {
        await parts.pingRedis();
        return 'answers';
      }),
    ]);
    const refusal = parts.diskReserve.refusal();
    const volumes = parts.diskReserve.snapshot().map((v) => `${v.name} ${v.freeBytes ?? 'unknown'} bytes free`);
    const disk = { ok: refusal === undefined, message: refusal ?? volumes.join(', ') };
    const listening = parts.ingestListening();
    const ingest = { ok: listening, message: listening ? 'RTMP listening' : 'RTMP listener not listening' };
    const checks = { database, store, redis, disk, ingest };
    return { ok: Object.values(checks).every((c) => c.ok), checks };
  };
}

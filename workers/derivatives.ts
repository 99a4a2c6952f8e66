/**
 * Writes a worker's product once to the store and records it with the hash of the original it
 * came from. A retried job finds its earlier product and keeps it (an encoder need not give the
 * same bytes twice; the first product stands).
 */
import { sha256Hex } from '../server/crypto/hash.ts';
import type { Derivative, DerivativeKind } from '../server/db/schema.ts';
import { ObjectAlreadyExists } from '../server/errors.ts';
import { objectKeys } from '../server/ledger/object-keys.ts';
import type { WorkerDeps } from './job-handler.ts';

const EXT: Record<DerivativeKind, [string, string]> = {
  r360: ['ts', 'video/mp2t'],
  r720: ['ts', 'video/mp2t'],
  mark_a: ['ts', 'video/mp2t'],
  mark_b: ['ts', 'video/mp2t'],
  thumb: ['jpg', 'image/jpeg'],
  sprite: ['jpg', 'image/jpeg'],
  sprite_vtt: ['vtt', 'text/vtt'],
  party_copy: ['mp4', 'video/mp4'],
  package: ['tar', 'application/x-tar'],
};

export interface NewDerivative {
  recordingId: string;
  /** segment index; 0 for the whole recording */
  idx: number;
  kind: DerivativeKind;
  bytes: Buffer;
  /** the original segment's sha256, or the recording's final link */
  sourceSha256: string;
  durationMs?: number;
  jobId: string;
}

export async function storeDerivative(deps: Pick<WorkerDeps, 'db' | 'store' | 'retentionDays'>, d: NewDerivative): Promise<Derivative> {
  const existing = await findDerivative(deps, d.recordingId, d.idx, d.kind);
  if (existing) return existing;
  const [ext, contentType] = EXT[d.kind];
  const key = objectKeys.derivative(d.recordingId, d.kind, d.idx, ext);
  let sha256 = sha256Hex(d.bytes);
  let size = d.bytes.length;
  try {
    await deps.store.putOnce(key, d.bytes, { sha256, contentType, retainUntil: new Date(Date.now() + deps.retentionDays * 86_400_000) });
  } catch (e) {
    if (!(e instanceof ObjectAlreadyExists)) throw e;
    const stored = await deps.store.get(key);
    sha256 = sha256Hex(stored);
    size = stored.length;
  }
  const row: Derivative = {
    recording_id: d.recordingId, idx: d.idx, kind: d.kind, object_key: key, sha256, size, source_sha256: d.sourceSha256,
    duration_ms: d.durationMs ?? null, job_id: d.jobId, created_at: new Date().toISOString(),
  };
  await deps.db.insertInto('derivatives').values(row).onConflict((oc) => oc.doNothing()).execute();
  return (await findDerivative(deps, d.recordingId, d.idx, d.kind))!;
}

export function findDerivative(deps: Pick<WorkerDeps, 'db'>, recordingId: string, idx: number, kind: DerivativeKind): Promise<Derivative | undefined> {
  return deps.db.selectFrom('derivatives').selectAll().where('recording_id', '=', recordingId).where('idx', '=', idx).where('kind', '=', kind).executeTakeFirst();
}

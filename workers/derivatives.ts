/** Records a worker's product with the hash of the original it came from (stored by store-product.ts). */
import type { Derivative, DerivativeKind } from '../server/db/schema.ts';
import { objectKeys } from '../server/ledger/object-keys.ts';
import type { Clock } from '../server/clock.ts';
import type { DerivativeRepository } from '../server/db/derivative-repository.ts';
import type { WorkerProducts } from './store-product.ts';

const EXT: Record<DerivativeKind, [string, string]> = {
  r360: ['ts', 'video/mp2t'],
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

/** Derivatives of recordings, found and stored by the jobs that make them. */
export class Derivatives {
  constructor(
    private readonly derivatives: DerivativeRepository,
    private readonly products: WorkerProducts,
    private readonly clock: Clock,
  ) {}

  async store(d: NewDerivative): Promise<Derivative> {
    const { derivatives } = this;
    const existing = await derivatives.find(d.recordingId, d.idx, d.kind);
    if (existing) return existing;
    const [ext, contentType] = EXT[d.kind];
    const key = objectKeys.derivative(d.recordingId, d.kind, d.idx, ext);
    const { sha256, size } = await this.products.store(key, d.bytes, contentType);
    const row: Derivative = {
      recording_id: d.recordingId,
      idx: d.idx,
      kind: d.kind,
      object_key: key,
      sha256,
      size,
      source_sha256: d.sourceSha256,
      duration_ms: d.durationMs ?? null,
      job_id: d.jobId,
      created_at: this.clock.now().toISOString(),
    };
    await derivatives.add(row);
    return (await derivatives.find(d.recordingId, d.idx, d.kind))!;
  }

  find(recordingId: string, idx: number, kind: DerivativeKind): Promise<Derivative | undefined> {
    return this.derivatives.find(recordingId, idx, kind);
  }
}

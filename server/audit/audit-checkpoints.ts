/**
 * The audit chain's head, written to the evidence store (WORM) every few seconds when it moved.
 * Whoever can rewrite the database can recompute every hash after an edit; they cannot rewrite a
 * checkpoint already locked in the store, so `liuhen audit verify` still finds the edit.
 */
import { z } from 'zod';
import { sha256Hex } from '../crypto/hash.ts';
import type { AuditRepository } from '../db/audit-repository.ts';
import type { Repositories } from '../db/repositories.ts';
import { ObjectAlreadyExists } from '../errors.ts';
import type { EvidenceStore } from '../storage/evidence-store.ts';
import { type Clock, systemClock } from '../clock.ts';

export const AUDIT_CHECKPOINT_PREFIX = 'audit/checkpoints/';
export const auditCheckpointKey = (seq: number) => `${AUDIT_CHECKPOINT_PREFIX}${String(seq).padStart(12, '0')}.json`;

export const auditCheckpointSchema = z.object({ format: z.literal('liuhen-audit-checkpoint/1'), seq: z.number().int().positive(), hash: z.string(), at: z.string() });

export class AuditCheckpointer {
  private timer?: NodeJS.Timeout;
  private last = 0;
  private running?: Promise<void>;
  private readonly events: AuditRepository;

  constructor(
    repos: Repositories,
    private readonly store: EvidenceStore,
    private readonly retentionDays: number,
    private readonly onError: (e: unknown) => void,
    private readonly clock: Clock = systemClock,
  ) {
    this.events = repos.audit;
  }

  start(everySeconds: number): void {
    this.timer = setInterval(() => void this.checkpoint().catch(this.onError), everySeconds * 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
    await this.checkpoint().catch(this.onError);
  }

  /** Writes the current head unless it was already written. */
  async checkpoint(): Promise<void> {
    if (this.running) return this.running;
    this.running = this.write().finally(() => (this.running = undefined));
    return this.running;
  }

  private async write(): Promise<void> {
    const head = await this.events.head();
    if (!head || head.seq <= this.last) return;
    const now = this.clock.now();
    const body = Buffer.from(JSON.stringify({ format: 'liuhen-audit-checkpoint/1', seq: head.seq, hash: head.hash, at: now.toISOString() }));
    try {
      await this.store.putOnce(auditCheckpointKey(head.seq), body, {
        sha256: sha256Hex(body),
        retainUntil: new Date(now.getTime() + this.retentionDays * 86_400_000),
        contentType: 'application/json',
      });
    } catch (e) {
      // Another process checkpointed the same head first; its checkpoint stands.
      if (!(e instanceof ObjectAlreadyExists)) throw e;
    }
    this.last = head.seq;
  }
}

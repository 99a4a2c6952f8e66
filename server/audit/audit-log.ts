/**
 * The access audit (调阅监督, 004 §18): append-only and hash-chained, so that an edited or removed
 * event breaks the chain. liuhen has no code path that updates or deletes an audit row, and the
 * database refuses UPDATE and DELETE on the table (migration 0003).
 *
 * Appends are group-committed: events asked for while a write is in flight go into the next
 * transaction together, so one viewer's segment requests do not each wait for their own fsync.
 */
import { sha256Hex } from '../crypto/hash.ts';
import type { AuditFilter, AuditRepository } from '../db/audit-repository.ts';
import type { Repositories } from '../db/repositories.ts';
import type { AuditEvent } from '../db/schema.ts';
import type { AuditAction } from './audit-actions.ts';
import { type Clock, systemClock } from '../clock.ts';

export interface AuditInput {
  actor: string;
  action: AuditAction;
  subject?: string | null;
  outcome: AuditEvent['outcome'];
  address?: string | null;
  detail?: Record<string, unknown>;
  sessionId?: string | null;
  object?: string | null;
  bytes?: number | null;
  userAgent?: string | null;
}

export type { AuditFilter };

export const AUDIT_GENESIS = '0'.repeat(64);

export function auditEventLine(e: Omit<AuditEvent, 'hash'>): string {
  return JSON.stringify([e.prev_hash, e.seq, e.at, e.actor, e.action, e.subject, e.outcome, e.address, e.detail, e.session_id, e.object, e.bytes, e.user_agent]);
}

interface Pending {
  input: AuditInput;
  resolve: (e: AuditEvent) => void;
  reject: (e: unknown) => void;
}

const MAX_RETRIES = 5;

export class AuditLog {
  private queue: Pending[] = [];
  private writing: Promise<void> | undefined;
  private readonly holders: (() => void)[] = [];
  private readonly events: AuditRepository;

  constructor(
    repos: Repositories,
    private readonly clock: Clock = systemClock,
  ) {
    this.events = repos.audit;
  }

  record(input: AuditInput): Promise<AuditEvent> {
    return new Promise((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      this.writing ??= this.drain();
    });
  }

  /**
   * `handIn` is called on every flush: a writer that holds events back to aggregate them (counted
   * refusals) records what it holds, so a flush leaves nothing unwritten.
   */
  holdsBack(handIn: () => void): void {
    this.holders.push(handIn);
  }

  /** Waits for appends already asked for, and for those held back (before the database closes). */
  async flush(): Promise<void> {
    for (const handIn of this.holders) handIn();
    while (this.writing) await this.writing;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      try {
        const events = await this.appendWithRetry(batch.map((p) => p.input));
        batch.forEach((p, i) => p.resolve(events[i]!));
      } catch (e) {
        for (const p of batch) p.reject(e);
      }
    }
    this.writing = undefined;
  }

  /** Another process (the CLI, another node) may take the same seq first; then read the new head and retry. */
  private async appendWithRetry(inputs: AuditInput[]): Promise<AuditEvent[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.append(inputs);
      } catch (e) {
        if (attempt >= MAX_RETRIES || !/unique|duplicate|constraint|busy|locked/i.test(String(e))) throw e;
      }
    }
  }

  private async append(inputs: AuditInput[]): Promise<AuditEvent[]> {
    return this.events.transaction(async (tx) => {
      await tx.lockHead();
      const last = await tx.head();
      let seq = last?.seq ?? 0;
      let prev = last?.hash ?? AUDIT_GENESIS;
      const at = this.clock.now().toISOString();
      const events = inputs.map((input) => {
        const row = {
          seq: ++seq,
          at,
          actor: input.actor,
          action: input.action,
          subject: input.subject ?? null,
          outcome: input.outcome,
          address: input.address ?? null,
          detail: JSON.stringify(input.detail ?? {}),
          session_id: input.sessionId ?? null,
          object: input.object ?? null,
          bytes: input.bytes ?? null,
          user_agent: input.userAgent ?? null,
          prev_hash: prev,
        };
        const event = { ...row, hash: sha256Hex(auditEventLine(row)) };
        prev = event.hash;
        return event;
      });
      await tx.append(events);
      return events;
    });
  }

  async query(filter: AuditFilter = {}): Promise<AuditEvent[]> {
    return this.events.query(filter);
  }
}

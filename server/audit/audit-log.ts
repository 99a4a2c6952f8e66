/**
 * The access audit (调阅监督, 004 §18): append-only and hash-chained, so that an edited or removed
 * event breaks the chain. liuhen has no code path that updates or deletes an audit row.
 */
import { sha256Hex } from '../crypto/hash.ts';
import type { Db } from '../db/database.ts';
import type { AuditEvent } from '../db/schema.ts';

export interface AuditInput {
  actor: string;
  action: string;
  subject?: string | null;
  outcome: AuditEvent['outcome'];
  address?: string | null;
  detail?: Record<string, unknown>;
}

const GENESIS = '0'.repeat(64);

export function auditEventLine(e: Omit<AuditEvent, 'hash'>): string {
  return JSON.stringify([e.prev_hash, e.seq, e.at, e.actor, e.action, e.subject, e.outcome, e.address, e.detail]);
}

export class AuditLog {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Appends one event; appends are serialized so each sees the previous hash. */
  record(input: AuditInput): Promise<AuditEvent> {
    const next = this.tail.then(() => this.append(input));
    this.tail = next.catch(() => undefined);
    return next;
  }

  /** Waits for appends already asked for (before the database closes). */
  async flush(): Promise<void> {
    await this.tail;
  }

  private async append(input: AuditInput): Promise<AuditEvent> {
    return this.db.transaction().execute(async (tx) => {
      const last = await tx.selectFrom('audit_events').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
      const row = {
        seq: (last?.seq ?? 0) + 1,
        at: this.now().toISOString(),
        actor: input.actor,
        action: input.action,
        subject: input.subject ?? null,
        outcome: input.outcome,
        address: input.address ?? null,
        detail: JSON.stringify(input.detail ?? {}),
        prev_hash: last?.hash ?? GENESIS,
      };
      const event = { ...row, hash: sha256Hex(auditEventLine(row)) };
      await tx.insertInto('audit_events').values(event).execute();
      return event;
    });
  }

  async query(filter: { action?: string; subject?: string } = {}): Promise<AuditEvent[]> {
    let q = this.db.selectFrom('audit_events').selectAll().orderBy('seq');
    if (filter.action) q = q.where('action', '=', filter.action);
    if (filter.subject) q = q.where('subject', '=', filter.subject);
    return q.execute();
  }
}

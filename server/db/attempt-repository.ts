import type { ExpressionBuilder } from 'kysely';
import { Repository } from './repository.ts';
import type { Schema } from './schema.ts';

type Counts = ExpressionBuilder<Schema, 'attempt_counts'>;

/** The row's count starts over: its span ended (and no lock holds it, which the upserts' WHERE ensures). */
const fresh = (eb: Counts, at: string) => eb('attempt_counts.fresh_until', '<=', at);

/**
 * Counts of attempts (sign-ins, device credentials) per scope and key, in the database every node
 * shares (server/auth/attempt-limiter.ts): a guesser spreading tries over the nodes behind the
 * balancer meets the same limits as on one node. Each attempt is counted by one upsert, so attempts
 * arriving at once, on one node or several, are each counted and none slips in under the limit.
 * Every method returns the lock an attempt met (undefined when it was counted).
 */
export class AttemptRepository extends Repository {
  /**
   * At most `max` attempts per window: the first attempt after a window ended opens the next, ending
   * at `windowEnd`; the `max`-th locks the key until its window ends.
   */
  async hitInWindow(scope: string, key: string, at: string, windowEnd: string, max: number): Promise<string | undefined> {
    const counted = await this.db
      .insertInto('attempt_counts')
      .values({ scope, key, count: 1, fresh_until: windowEnd, locked_until: max <= 1 ? windowEnd : null })
      .onConflict((oc) =>
        oc
          .columns(['scope', 'key'])
          .doUpdateSet((eb) => ({
            count: eb
              .case()
              .when(fresh(eb, at))
              .then(1)
              .else(eb('attempt_counts.count', '+', 1))
              .end(),
            locked_until: eb
              .case()
              .when(fresh(eb, at))
              .then(max <= 1 ? windowEnd : null)
              .when(eb('attempt_counts.count', '>=', max - 1))
              .then(eb.ref('attempt_counts.fresh_until'))
              .else(null)
              .end(),
            fresh_until: eb.case().when(fresh(eb, at)).then(windowEnd).else(eb.ref('attempt_counts.fresh_until')).end(),
          }))
          .where((eb) => eb.or([eb('attempt_counts.locked_until', 'is', null), eb('attempt_counts.locked_until', '<=', at)])),
      )
      .returning('count')
      .executeTakeFirst();
    return counted ? undefined : this.lockedUntil(scope, key, at);
  }

  /**
   * Consecutive failures: from the `max`-th on, each counted attempt locks the key until
   * `quietUntil` (a lock's length after it); a key quiet that long starts over.
   */
  async countFailure(scope: string, key: string, at: string, quietUntil: string, max: number): Promise<string | undefined> {
    const counted = await this.db
      .insertInto('attempt_counts')
      .values({ scope, key, count: 1, fresh_until: quietUntil, locked_until: max <= 1 ? quietUntil : null })
      .onConflict((oc) =>
        oc
          .columns(['scope', 'key'])
          .doUpdateSet((eb) => {
            const next = eb
              .case()
              .when(fresh(eb, at))
              .then(1)
              .else(eb('attempt_counts.count', '+', 1))
              .end();
            return {
              count: next,
              locked_until: eb.case().when(next, '>=', max).then(quietUntil).else(eb.ref('attempt_counts.locked_until')).end(),
              fresh_until: quietUntil,
            };
          })
          .where((eb) => eb.or([eb('attempt_counts.locked_until', 'is', null), eb('attempt_counts.locked_until', '<=', at)])),
      )
      .returning('count')
      .executeTakeFirst();
    return counted ? undefined : this.lockedUntil(scope, key, at);
  }

  /** Takes back one counted attempt (it succeeded), and the lock it may have set. */
  async uncount(scope: string, key: string): Promise<void> {
    await this.db
      .updateTable('attempt_counts')
      .set((eb) => ({ count: eb('count', '-', 1), locked_until: null }))
      .where('scope', '=', scope)
      .where('key', '=', key)
      .where('count', '>', 0)
      .execute();
  }

  /** Forgets the key's count: an attempt succeeded. */
  async clear(scope: string, key: string): Promise<void> {
    await this.db.deleteFrom('attempt_counts').where('scope', '=', scope).where('key', '=', key).execute();
  }

  /** Drops counts that would start over anyway and hold no lock. */
  async prune(at: string): Promise<void> {
    await this.db
      .deleteFrom('attempt_counts')
      .where('fresh_until', '<=', at)
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', at)]))
      .execute();
  }

  /** The lock an uncounted attempt met; `at` itself when it ended in between (the caller waits a moment). */
  private async lockedUntil(scope: string, key: string, at: string): Promise<string> {
    const row = await this.db.selectFrom('attempt_counts').select('locked_until').where('scope', '=', scope).where('key', '=', key).executeTakeFirst();
    return row?.locked_until ?? at;
  }
}

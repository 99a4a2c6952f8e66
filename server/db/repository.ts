import type { Db } from './database.ts';

/**
 * The one door to the metadata database: every query of liuhen lives in a repository under
 * server/db/, one per aggregate. A repository is built over the database or over a transaction
 * (a Kysely transaction is a Kysely), so a service that must write several rows at once asks
 * `transaction` for a repository bound to one.
 */
export abstract class Repository {
  constructor(protected readonly db: Db) {}

  /** Runs `work` with this repository bound to one transaction; inside one already, joins it. */
  transaction<T>(work: (repo: this) => Promise<T>): Promise<T> {
    if (this.db.isTransaction) return work(this);
    return this.db.transaction().execute((trx) => work(this.over(trx)));
  }

  /** Another repository on the same connection or transaction as this one. */
  beside<R extends Repository>(Kind: new (db: Db) => R): R {
    return new Kind(this.db);
  }

  private over(trx: Db): this {
    return new (this.constructor as new (db: Db) => this)(trx);
  }
}

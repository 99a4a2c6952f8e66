import { sql } from 'kysely';
import { Repository } from './repository.ts';

/** The database itself, as /readyz sees it. */
export class HealthRepository extends Repository {
  /** Resolves when the database answers a query. */
  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }
}

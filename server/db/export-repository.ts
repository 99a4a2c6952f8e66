import { Repository } from './repository.ts';
import type { Export } from './schema.ts';

/** Exports: packages and party copies asked for, and the file each was made into. */
export class ExportRepository extends Repository {
  /** The export; with `kind`, only one of that kind. */
  async find(id: string, kind?: Export['kind']): Promise<Export | undefined> {
    let q = this.db.selectFrom('exports').selectAll().where('id', '=', id);
    if (kind !== undefined) q = q.where('kind', '=', kind);
    return q.executeTakeFirst();
  }

  async add(row: Export): Promise<void> {
    await this.db.insertInto('exports').values(row).execute();
  }

  async recordFile(id: string, file: { objectKey: string; sha256: string; size: number }): Promise<void> {
    await this.db.updateTable('exports').set({ object_key: file.objectKey, sha256: file.sha256, size: file.size }).where('id', '=', id).execute();
  }
}

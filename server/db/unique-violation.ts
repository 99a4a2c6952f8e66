/**
 * Whether a write was refused by one particular unique index, on either database. The two name
 * it differently: PostgreSQL by the index, SQLite by the indexed columns
 * ("UNIQUE constraint failed: devices.officer_badge").
 */
export interface UniqueIndex {
  name: string;
  table: string;
  columns: string[];
}

export function violates(err: unknown, index: UniqueIndex): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { code, constraint, message } = err as { code?: unknown; constraint?: unknown; message?: unknown };
  if (code === '23505') return constraint === index.name;
  // SQLite names a composite primary key's violation apart from a unique index's, in the same words.
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return message === `UNIQUE constraint failed: ${index.columns.map((c) => `${index.table}.${c}`).join(', ')}`;
  return false;
}

/** A worker's copy of an original segment: read from the store and checked against the ledger first. */
import fs from 'node:fs/promises';
import path from 'node:path';
import { sha256Hex } from '../server/crypto/hash.ts';
import type { LedgerEntry } from '../server/db/schema.ts';
import { ChecksumMismatch } from '../server/errors.ts';
import type { EvidenceStore } from '../server/storage/evidence-store.ts';

export async function fetchOriginal(store: EvidenceStore, entry: LedgerEntry, dir: string): Promise<string> {
  const bytes = await store.get(entry.object_key!);
  if (sha256Hex(bytes) !== entry.sha256) throw new ChecksumMismatch(entry.object_key!);
  const file = path.join(dir, 'original.ts');
  await fs.writeFile(file, bytes);
  return file;
}

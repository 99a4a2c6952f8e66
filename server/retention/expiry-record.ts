/**
 * The signed expiry record (issue 17: nothing disappears without a trace). Written to the store
 * before the first object of an expired recording is deleted, beside its manifest, and kept for
 * the archive period: which objects went (key, size, the hash the ledger holds), under which rule,
 * when the period ended and when the expiry began. Canonical JSON signed with the server's
 * Ed25519 key over the exact bytes, like a manifest: `openssl pkeyutl -verify -pubin -inkey
 * keys/<fingerprint>.pem -rawin -in recordings/<id>/expiry.json -sigfile recordings/<id>/expiry.json.sig`.
 */
import { z } from 'zod';
import { canonicalJson } from '../cases/case-manifest.ts';
import { verifySignature } from '../crypto/signing-key.ts';
import { objectKeys } from '../ledger/object-keys.ts';
import type { EvidenceStore } from '../storage/evidence-store.ts';

export const EXPIRY_FORMAT = 'liuhen-expiry/1';

export const expiryKeys = {
  record: (recordingId: string) => `${objectKeys.recordingPrefix(recordingId)}expiry.json`,
  signature: (recordingId: string) => `${objectKeys.recordingPrefix(recordingId)}expiry.json.sig`,
};

export const expiryRecordSchema = z.object({
  format: z.literal(EXPIRY_FORMAT),
  recordingId: z.string(),
  /** the recording's chain head when it expired: the ledger it is checked against */
  headLink: z.string(),
  rule: z.literal('unlinked'),
  periodMs: z.number(),
  periodEndedAt: z.string(),
  expiredAt: z.string(),
  objects: z.array(z.object({ key: z.string(), size: z.number(), sha256: z.string().nullable() })),
  bytes: z.number(),
  signingKey: z.string(),
});
export type ExpiryRecord = z.infer<typeof expiryRecordSchema>;

export function expiryRecordBytes(record: ExpiryRecord): Buffer {
  return Buffer.from(canonicalJson(record));
}

export interface StoredExpiry {
  record: ExpiryRecord;
  /** false: the record's bytes or signature were changed, or its key is missing */
  signatureValid: boolean;
}

/** The recording's expiry record as the store holds it, or null when it has none. */
export async function readExpiryRecord(store: EvidenceStore, recordingId: string): Promise<StoredExpiry | null> {
  if (!(await store.head(expiryKeys.record(recordingId)))) return null;
  const bytes = await store.get(expiryKeys.record(recordingId));
  const record = expiryRecordSchema.parse(JSON.parse(bytes.toString()));
  const keyName = objectKeys.publicKey(record.signingKey);
  const pem = (await store.head(keyName)) ? await store.get(keyName) : null;
  const sig = (await store.head(expiryKeys.signature(recordingId))) ? await store.get(expiryKeys.signature(recordingId)) : null;
  return { record, signatureValid: pem !== null && sig !== null && verifySignature(pem.toString(), bytes, sig) };
}

/**
 * The server's public key in the store verifies every manifest and expiry record, so it must stay
 * locked as long as the longest of them: the sealer first writes it with a recording's unlinked
 * lock, and whatever is kept for the archive period (an expiry record, an archived case's
 * recordings) extends the key's lock with it.
 */
import { putOrKeep } from '../cases/case-manifest.ts';
import { objectKeys } from '../ledger/object-keys.ts';
import type { SigningKey } from '../crypto/signing-key.ts';
import type { EvidenceStore } from '../storage/evidence-store.ts';

export async function keepPublicKey(d: { store: EvidenceStore; signingKey: SigningKey }, until: Date): Promise<void> {
  const key = objectKeys.publicKey(d.signingKey.fingerprint);
  await putOrKeep(d.store, key, Buffer.from(d.signingKey.publicKeyPem), until, 'application/x-pem-file');
  await d.store.extendRetention(key, until);
}

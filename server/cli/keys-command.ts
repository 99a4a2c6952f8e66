/** `liuhen keys init|rotate-signing`: the server secret and the manifest signing key of an installation. */
import path from 'node:path';
import { putOrKeep } from '../cases/case-manifest.ts';
import type { Config } from '../config.ts';
import { CLI_ACTOR } from './actor.ts';
import type { Core } from '../core.ts';
import { initKeys } from '../crypto/installation-keys.ts';
import { SERVER_SECRET_FILE } from '../crypto/server-secret.ts';
import { SIGNING_KEY_FILE } from '../crypto/signing-key.ts';
import { objectKeys } from '../ledger/object-keys.ts';
import { EXIT } from './exit-codes.ts';

export const KEYS_USAGE = `  liuhen keys init                            makes the server secret and the manifest signing key in LIUHEN_KEYS_DIR
                                              (default <data dir>/keys), once: it never replaces keys. Copy that dir
                                              to every node of a cluster; a single node makes them on first start
  liuhen keys rotate-signing                  a new manifest signing key for the installation, with every node stopped;
                                              the old public key stays in the store, so what it signed still verifies
`;

export function keysInit(config: Config): number {
  const { keys, signingKey } = initKeys(config.keysDir);
  process.stdout.write(
    `made the keys in ${config.keysDir}:\n` +
      `  ${path.join(config.keysDir, SERVER_SECRET_FILE)}  sha256 ${keys.fingerprint}\n` +
      `  ${path.join(config.keysDir, SIGNING_KEY_FILE)}  public key sha256 ${signingKey.fingerprint} (manifests name it)\n` +
      'Copy this directory, readable only by the user liuhen runs as, to every node (LIUHEN_KEYS_DIR). The first node\n' +
      'to start records these fingerprints in the database; a node with other keys then refuses to start.\n',
  );
  return EXIT.ok;
}

export async function keysRotateSigning(core: Core): Promise<number> {
  // Its manifests name it by fingerprint and verify with the public key stored under it: stored
  // by the first seal already, unless the key never signed anything; kept as long as cases keep evidence.
  const old = core.signingKey;
  await putOrKeep(core.store, objectKeys.publicKey(old.fingerprint), Buffer.from(old.publicKeyPem), new Date(core.clock.now().getTime() + core.config.retention.caseMs), 'application/x-pem-file');
  const { next, retiredFile } = await core.keyring.rotateSigningKey();
  await core.audit.record({ actor: CLI_ACTOR, action: 'keys.rotate_signing', subject: next.fingerprint, outcome: 'ok', detail: { retired: old.fingerprint } });
  process.stdout.write(
    `the manifest signing key is now sha256 ${next.fingerprint} (${path.join(core.config.keysDir, SIGNING_KEY_FILE)})\n` +
      `  the old one, sha256 ${old.fingerprint}: its public key stays in the store at ${objectKeys.publicKey(old.fingerprint)}, so what it\n` +
      `  signed still verifies; its private key is in ${retiredFile}: destroy it, or keep it offline\n` +
      'Copy the keys dir to every node before starting it: a node with the old key refuses to start.\n',
  );
  return EXIT.ok;
}

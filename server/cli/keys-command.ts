/** `liuhen keys init`: the server secret and the manifest signing key of a cluster, made once. */
import path from 'node:path';
import type { Config } from '../config.ts';
import { initKeys } from '../crypto/installation-keys.ts';
import { SERVER_SECRET_FILE } from '../crypto/server-secret.ts';
import { SIGNING_KEY_FILE } from '../crypto/signing-key.ts';
import { EXIT } from './exit-codes.ts';

export const KEYS_USAGE = `  liuhen keys init                            makes the server secret and the manifest signing key in LIUHEN_KEYS_DIR
                                              (default <data dir>/keys), once: it never replaces keys. Copy that dir
                                              to every node of a cluster; a single node makes them on first start
`;

export function keysCommand(config: Config, args: string[]): number {
  if (args.length !== 1 || args[0] !== 'init') {
    process.stderr.write(`unknown command: keys ${args.join(' ')}\n\n${KEYS_USAGE}`);
    return EXIT.badInput;
  }
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

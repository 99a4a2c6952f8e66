/**
 * One random server secret in the keys dir (0400), from which each purpose derives its own key
 * with HKDF: a leaked segment-URL key cannot forge access tokens, and the other way round.
 * Several server nodes share it by sharing the file.
 */
import { hkdfSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { sha256Hex } from './hash.ts';
import { writeKeyFileOnce } from './key-file.ts';

export type KeyPurpose = 'jwt-hs256' | 'segment-url-hmac' | 'device-secrets' | 'forensic-codeword';

export const SERVER_SECRET_FILE = 'server-secret';

export interface ServerKeys {
  /** sha256 of the secret, hex: tells another secret apart without revealing this one */
  fingerprint: string;
  key(purpose: KeyPurpose): Buffer;
}

/** Makes the secret unless the keys dir has one; returns whether it did. */
export function createServerSecret(keysDir: string): boolean {
  return writeKeyFileOnce(path.join(keysDir, SERVER_SECRET_FILE), randomBytes(32));
}

export function loadOrCreateServerKeys(keysDir: string): ServerKeys {
  createServerSecret(keysDir);
  const secret = fs.readFileSync(path.join(keysDir, SERVER_SECRET_FILE));
  const cache = new Map<KeyPurpose, Buffer>();
  return {
    fingerprint: sha256Hex(secret),
    key(purpose) {
      let k = cache.get(purpose);
      if (!k) cache.set(purpose, (k = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), `liuhen ${purpose}`, 32))));
      return k;
    },
  };
}

/**
 * One random server secret in the data dir (0400), from which each purpose derives its own key
 * with HKDF: a leaked segment-URL key cannot forge access tokens, and the other way round.
 * Several server nodes share it by sharing the file.
 */
import { hkdfSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export type KeyPurpose = 'jwt-hs256' | 'segment-url-hmac' | 'device-secrets' | 'forensic-codeword';

export interface ServerKeys {
  key(purpose: KeyPurpose): Buffer;
}

export function loadOrCreateServerKeys(dataDir: string): ServerKeys {
  const file = path.join(dataDir, 'keys', 'server-secret');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    try {
      fs.writeFileSync(file, randomBytes(32), { mode: 0o400, flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  const secret = fs.readFileSync(file);
  const cache = new Map<KeyPurpose, Buffer>();
  return {
    key(purpose) {
      let k = cache.get(purpose);
      if (!k) cache.set(purpose, (k = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), `liuhen ${purpose}`, 32))));
      return k;
    },
  };
}

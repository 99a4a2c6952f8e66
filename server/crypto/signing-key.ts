import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { sha256Hex } from './hash.ts';

/** The server's Ed25519 key that signs manifests. Kept in the data dir, readable by root only. */
export interface SigningKey {
  publicKeyPem: string;
  /** sha256 of the DER public key, hex: names the key in manifests and in the store */
  fingerprint: string;
  sign(data: Buffer): Buffer;
}

export function loadOrCreateSigningKey(dataDir: string): SigningKey {
  const file = path.join(dataDir, 'keys', 'manifest-ed25519.pem');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const { privateKey } = generateKeyPairSync('ed25519');
    // wx: two processes starting at once must not each write a key.
    try {
      fs.writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o400, flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  return signingKeyFrom(createPrivateKey(fs.readFileSync(file)));
}

function signingKeyFrom(privateKey: KeyObject): SigningKey {
  const publicKey = createPublicKey(privateKey);
  return {
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    fingerprint: publicKeyFingerprint(publicKey),
    sign: (data) => sign(null, data, privateKey),
  };
}

export function publicKeyFingerprint(publicKey: KeyObject | string): string {
  const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey;
  return sha256Hex(key.export({ type: 'spki', format: 'der' }));
}

export function verifySignature(publicKeyPem: string, data: Buffer, signature: Buffer): boolean {
  return verify(null, data, createPublicKey(publicKeyPem), signature);
}

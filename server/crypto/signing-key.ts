import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { sha256Hex } from './hash.ts';
import { writeKeyFileOnce } from './key-file.ts';

/** The server's Ed25519 key that signs manifests. Kept in the keys dir, readable by its owner only. */
export interface SigningKey {
  publicKeyPem: string;
  /** sha256 of the DER public key, hex: names the key in manifests and in the store */
  fingerprint: string;
  sign(data: Buffer): Buffer;
}

export const SIGNING_KEY_FILE = 'manifest-ed25519.pem';

/** Makes a signing key unless the keys dir has one; returns whether it did. */
export function createSigningKey(keysDir: string, name = SIGNING_KEY_FILE): boolean {
  const { privateKey } = generateKeyPairSync('ed25519');
  return writeKeyFileOnce(path.join(keysDir, name), privateKey.export({ type: 'pkcs8', format: 'pem' }));
}

export function loadOrCreateSigningKey(keysDir: string, name = SIGNING_KEY_FILE): SigningKey {
  const file = path.join(keysDir, name);
  if (!fs.existsSync(file)) createSigningKey(keysDir, name);
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

/**
 * Passwords are kept only as scrypt hashes (memory-hard: 32 MiB per guess at the default cost). The
 * parameters are stored with each hash so they can be raised later without breaking old ones.
 */
import { randomBytes, randomInt, scrypt, timingSafeEqual } from 'node:crypto';

/** scrypt's cost as log2 N for new hashes (LIUHEN_PASSWORD_COST): 15 is 32 MiB and about 0.1 s a guess. */
export const DEFAULT_PASSWORD_COST = 15;
const KEY_LENGTH = 32;

interface Params {
  N: number;
  r: number;
  p: number;
}

function derive(password: string, salt: Buffer, p: Params): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, { ...p, maxmem: 256 * p.N * p.r }, (err, key) => (err ? reject(err) : resolve(key))));
}

export async function hashPassword(password: string, cost = DEFAULT_PASSWORD_COST): Promise<string> {
  const params = { N: 2 ** cost, r: 8, p: 1 };
  const salt = randomBytes(16);
  const key = await derive(password, salt, params);
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64'), key.toString('base64')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, N, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64');
  const actual = await derive(password, Buffer.from(salt, 'base64'), { N: Number(N), r: Number(r), p: Number(p) });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * A password to hand out once: 18 characters from an alphabet without look-alikes, with upper
 * and lower case and digits, so that it meets the rules a chosen one must (password-rules.ts).
 */
export function generatePassword(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789';
  for (;;) {
    const password = Array.from({ length: 18 }, () => alphabet[randomInt(alphabet.length)]).join('');
    if (/[A-Z]/.test(password) && /[a-z]/.test(password) && /\d/.test(password)) return password;
  }
}

import { randomBytes } from 'node:crypto';

/** Sortable, RTMP-path-safe ids: a prefix, the creation time in base 36, and randomness. */
export function newId(prefix: string, now: Date = new Date()): string {
  return `${prefix}-${now.getTime().toString(36)}${randomBytes(5).toString('hex')}`;
}

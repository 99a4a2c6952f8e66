import { randomBytes } from 'node:crypto';
import { z } from 'zod';

/** Sortable, RTMP-path-safe ids: a prefix, the creation time in base 36, and randomness. */
export function newId(prefix: string, now: Date = new Date()): string {
  return `${prefix}-${now.getTime().toString(36)}${randomBytes(5).toString('hex')}`;
}

/** What `newId(prefix)` makes, checked where an id comes in from outside (URLs, bodies, the CLI). */
export function idSchema(prefix: string) {
  return z.string().regex(new RegExp(`^${prefix}-[a-z0-9]{1,40}$`), `a ${prefix}-… id`);
}

export const recordingIdSchema = idSchema('rec');

/** An id of any kind, where the prefix is checked later against what it names (devices, session URLs). */
export const anyIdSchema = z.string().regex(/^[a-z]+-[a-z0-9]{1,40}$/);

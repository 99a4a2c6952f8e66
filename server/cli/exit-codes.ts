import { ConfigInvalid, LiuhenError } from '../errors.ts';
import { ZodError } from 'zod';

/** Exit codes, in one place: 0 ok, 1 verification failed, 2 bad input or configuration, 3 anything else. */
export const EXIT = { ok: 0, verifyFailed: 1, badInput: 2, failure: 3 } as const;

export function exitCodeFor(err: unknown): number {
  if (err instanceof ConfigInvalid || err instanceof ZodError) return EXIT.badInput;
  if (err instanceof LiuhenError) return EXIT.badInput;
  return EXIT.failure;
}

export function messageFor(err: unknown): string {
  if (err instanceof ZodError) return err.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('\n');
  if (err instanceof Error) return err.message;
  return String(err);
}

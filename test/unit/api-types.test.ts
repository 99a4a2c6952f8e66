/**
 * The player's API types are generated from the server's contract (npm run api:types): the
 * committed file must be what the routes' schemas generate now, or the player is typed against
 * an API the server no longer has.
 */
import fs from 'node:fs';
import { expect, it } from 'vitest';
import { API_TYPES_FILE, apiTypes } from '../../infra/dev/api-types.ts';

it('the committed player/src/api-schema.ts is the one the routes generate (else: npm run api:types)', async () => {
  const generated = await apiTypes();
  expect(generated).toContain('"/api/auth/sign-in"');
  expect(fs.readFileSync(API_TYPES_FILE, 'utf8')).toBe(generated);
});

import type { Role } from '../../server/db/schema.ts';
import type { RunningServer } from '../../server/liuhen.ts';

export const PASSWORD = 'a long test password';

export interface SignedIn {
  userId: string;
  role: Role;
  accessToken: string;
  refreshToken: string;
}

/** Adds a user through the registry and signs them in through the real API. */
export async function signedInUser(
  server: Pick<RunningServer, 'core' | 'httpPort'>,
  role: Role,
  unit: string,
  badge: string,
  extra: { clearances?: ('state_secret' | 'trade_secret' | 'privacy')[]; name?: string } = {},
): Promise<SignedIn> {
  const { user } = await server.core.users.add({ role, unit, badge, name: extra.name ?? `${role} ${badge}`, password: PASSWORD, clearances: extra.clearances ?? [] }, 'test');
  const res = await fetch(`http://127.0.0.1:${server.httpPort}/api/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ badge, password: PASSWORD }),
  });
  if (res.status !== 200) throw new Error(`sign-in of ${badge} failed: ${res.status}`);
  const t = (await res.json()) as { accessToken: string; refreshToken: string };
  return { userId: user.id, role, accessToken: t.accessToken, refreshToken: t.refreshToken };
}

/**
 * Accounts from the operator's shell. The command line has no signed-in person behind it, so it
 * follows the two-person rule as an administrator would: what needs a security officer's approval
 * (a media or oversight role, a clearance, enabling such an account) becomes a grant for one to
 * approve in the console. Only while the installation has no active security officer does the
 * operator give it alone — the bootstrap of the first admin and security officer (the last active
 * one cannot be disabled or demoted) — and the audit names the operator (`cli:<login>`).
 * There is no `liuhen grant approve`: the shell proves no security officer's identity.
 */
import type { NewUser, UserView } from '../auth/user-registry.ts';
import type { GrantState } from '../db/schema.ts';
import { UserNotFound } from '../errors.ts';
import type { Core } from '../core.ts';
import { CLI_ACTOR } from './actor.ts';
import { EXIT } from './exit-codes.ts';

async function byBadge(core: Core, badge: string) {
  const user = await core.users.byBadge(badge);
  if (!user) throw new UserNotFound(badge);
  return user;
}

const awaiting = (grantId: string) => `awaiting a security officer's approval (grant ${grantId}); it cannot sign in until approved\n`;

export async function userAdd(core: Core, input: Omit<NewUser, 'password'>): Promise<number> {
  const { accounts } = core;
  const bootstrap = !(await accounts.hasSecurityOfficer());
  const { user, password, grant } = await accounts.create(input, CLI_ACTOR, bootstrap);
  process.stdout.write(
    `user ${user.id} (${user.role}, unit ${user.unit}, badge ${user.badge}) added\n` +
      `one-time password (shown once; to be changed at the first sign-in): ${password}\n` +
      (grant ? awaiting(grant.id) : ''),
  );
  return EXIT.ok;
}

export async function userReset(core: Core, badge: string): Promise<number> {
  const { accounts } = core;
  const { password, grant } = await accounts.reset((await byBadge(core, badge)).id, CLI_ACTOR, !(await accounts.hasSecurityOfficer()));
  process.stdout.write(
    `badge ${badge}: ${grant ? `reset proposed (grant ${grant.id}): the security officer who approves it receives the one-time password\n` : `every session ended; new one-time password (shown once): ${password}\n`}`,
  );
  return EXIT.ok;
}

export async function userDisable(core: Core, badge: string, reason: string): Promise<number> {
  await core.accounts.disable((await byBadge(core, badge)).id, reason, CLI_ACTOR);
  process.stdout.write(`badge ${badge}: disabled, every session ended\n`);
  return EXIT.ok;
}

export async function userEnable(core: Core, badge: string): Promise<number> {
  const { accounts } = core;
  const { grant } = await accounts.enable((await byBadge(core, badge)).id, CLI_ACTOR, !(await accounts.hasSecurityOfficer()));
  process.stdout.write(`badge ${badge}: ${grant ? awaiting(grant.id) : 'enabled\n'}`);
  return EXIT.ok;
}

export async function usersList(core: Core, json: boolean): Promise<number> {
  const users: UserView[] = await core.users.list();
  if (json) process.stdout.write(JSON.stringify(users, null, 2) + '\n');
  else for (const u of users) process.stdout.write(`${u.id}\t${u.role}\t${u.unit}\t${u.badge}\t${u.name}\t${u.state}${u.mustChangePassword ? '\tone-time password' : ''}\n`);
  return EXIT.ok;
}

export async function grantsList(core: Core, state: GrantState | undefined, json: boolean): Promise<number> {
  const grants = await core.accounts.grants.list(state);
  if (json) process.stdout.write(JSON.stringify({ grants }, null, 2) + '\n');
  else
    for (const g of grants)
      process.stdout.write(`${g.id}\t${g.state}\t${g.kind}\t${g.userBadge}\t${g.role}\t${g.clearances.join(',') || '-'}\t${g.proposedBy.badge || g.proposedBy.name}\t${g.proposedAt}\n`);
  return EXIT.ok;
}

import type { NewUser } from '../auth/user-registry.ts';
import type { Core } from '../liuhen.ts';
import { CLI_ACTOR } from './actor.ts';
import { EXIT } from './exit-codes.ts';

export async function userAdd(core: Core, input: NewUser): Promise<number> {
  const { user, password } = await core.users.add(input, CLI_ACTOR);
  process.stdout.write(
    `user ${user.id} (${user.role}, unit ${user.unit}, badge ${user.badge}) added\n` +
      (input.password ? '' : `initial password (shown once): ${password}\n`),
  );
  return EXIT.ok;
}

export async function usersList(core: Core, json: boolean): Promise<number> {
  const users = await core.users.list();
  if (json) process.stdout.write(JSON.stringify(users, null, 2) + '\n');
  else for (const u of users) process.stdout.write(`${u.id}\t${u.role}\t${u.unit}\t${u.badge}\t${u.name}\n`);
  return EXIT.ok;
}

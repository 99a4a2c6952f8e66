/**
 * What a node does (`liuhen up --roles`): `ingest` takes cameras in (RTMP, RTSP pulls) and records
 * them live, `api` serves HTTP (the API, the player, playback, offline uploads), `worker` runs
 * the job workers. A node with all three is today's single server.
 */
import { z } from 'zod';

export const ROLES = ['ingest', 'api', 'worker'] as const;
export type Role = (typeof ROLES)[number];
export type Roles = ReadonlySet<Role>;

export const ALL_ROLES: Roles = new Set(ROLES);

const roleSchema = z.enum(ROLES, { errorMap: (_issue, ctx) => ({ message: `unknown role ${JSON.stringify(ctx.data)}: roles are ${ROLES.join(', ')}` }) });

/** `ingest,api` → its roles, each known (an empty list names the unknown role ""). */
export const rolesSchema = z
  .string()
  .transform((s) => s.split(',').map((r) => r.trim()))
  .pipe(z.array(roleSchema))
  .transform((roles): Roles => new Set(roles));

/**
 * What the sign-in, account and grant routes answer (server/auth/ makes it: auth-service.ts,
 * user-registry.ts, account-grants.ts, accounts.ts), as their contract.
 */
import { z } from 'zod';
import { newUserSchema } from '../auth/user-registry.ts';
import { labelSchema } from '../recordings/recording-keeping.ts';
import { auditEventSchema } from './audit-routes.ts';

const roleSchema = newUserSchema.shape.role;
const clearancesSchema = z.array(labelSchema.unwrap());

/** Who signed in, as the session names them: their clearances are not the page's to know. */
const personSchema = z.object({ id: z.string(), name: z.string(), badge: z.string(), role: roleSchema, unit: z.string() }).strict();
const mustChangePassword = z.boolean().describe('the password is one-time: until it is changed the session may only read /api/me, change the password and sign out');

export const tokensSchema = z.object({ accessToken: z.string(), accessExpiresAt: z.string(), refreshToken: z.string(), user: personSchema, mustChangePassword }).strict();

export const meSchema = z.object({ user: personSchema, mustChangePassword }).strict();

export const userViewSchema = z
  .object({
    id: z.string(),
    badge: z.string(),
    name: z.string(),
    role: roleSchema,
    unit: z.string(),
    clearances: clearancesSchema,
    state: z.enum(['active', 'disabled', 'awaiting_approval']),
    mustChangePassword: z.boolean(),
    lastSignInAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .strict();

/** The operator's command line has no account: it is named by its actor (`cli:<login>`), with an empty badge. */
const proposerSchema = z.object({ id: z.string(), badge: z.string(), name: z.string() }).strict();

export const grantViewSchema = z
  .object({
    id: z.string(),
    userId: z.string(),
    userBadge: z.string(),
    userName: z.string(),
    kind: z.enum(['create', 'change', 'enable', 'reset']),
    role: roleSchema,
    clearances: clearancesSchema,
    state: z.enum(['proposed', 'approved', 'rejected']),
    proposedBy: proposerSchema,
    proposedAt: z.string(),
    decidedBy: proposerSchema.nullable(),
    decidedAt: z.string().nullable(),
    reason: z.string().nullable().describe('why it was rejected'),
  })
  .strict();

export const userSchema = z.object({ user: userViewSchema }).strict();
export const grantSchema = z.object({ grant: grantViewSchema }).strict();

export const userCreatedSchema = z
  .object({
    user: userViewSchema,
    password: z.string().describe('the one-time password, shown this once'),
    grant: grantViewSchema.nullable().describe('the grant a security officer must approve before the account may sign in'),
  })
  .strict();

export const accountHistorySchema = z
  .object({
    signIns: z.array(z.object({ at: z.string(), outcome: z.enum(['ok', 'refused', 'error']), address: z.string().nullable() }).strict()),
    events: z.array(auditEventSchema),
  })
  .strict();

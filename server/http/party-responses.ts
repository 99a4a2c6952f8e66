/** What the party routes answer (server/party/present-party.ts makes it), as their contract. */
import { z } from 'zod';

const personSchema = z.object({ userId: z.string(), name: z.string(), badge: z.string() }).strict();
const windowShape = {
  windowFrom: z.string().nullable(),
  windowUntil: z.string().nullable(),
  maxViewings: z.number().int().nullable(),
  viewingsUsed: z.number().int(),
  viewingsLeft: z.number().int(),
};
const roomStateSchema = z.enum(['waiting', 'open', 'paused', 'ended']);

export const partyRequestSchema = z
  .object({
    requestId: z.string(),
    kind: z.enum(['view', 'copy']),
    state: z.enum(['pending', 'approved', 'refused']),
    unit: z.string(),
    caseId: z.string().nullable(),
    reason: z.string(),
    party: personSchema.nullable(),
    requestedBy: z.string(),
    createdAt: z.string(),
    decidedBy: z.string().nullable(),
    decidedAt: z.string().nullable(),
    decisionNote: z.string().nullable(),
    ...windowShape,
    copyAllowed: z.boolean().nullable(),
    activeRoom: z.object({ roomId: z.string(), state: roomStateSchema }).strict().nullable(),
    recordings: z.array(
      z
        .object({
          recordingId: z.string(),
          deviceName: z.string().nullable(),
          startedAt: z.string(),
          durationMs: z.number(),
          closed: z.boolean(),
          approved: z.boolean().nullable().describe('null until decided'),
          redacted: z.boolean().describe('approved as a redaction'),
          // Staff and the agency head only: a party never sees labels.
          confidentiality: z.enum(['state_secret', 'trade_secret', 'privacy']).nullable().optional(),
          redactionId: z.string().nullable().optional(),
          readyRedactions: z
            .array(z.object({ redactionId: z.string(), createdAt: z.string() }).strict())
            .optional()
            .describe('while pending'),
        })
        .strict(),
    ),
    copies: z.array(z.object({ exportId: z.string(), recordingId: z.string(), ready: z.boolean(), createdAt: z.string() }).strict()),
  })
  .strict();

export const roomSchema = z
  .object({
    roomId: z.string(),
    requestId: z.string(),
    kind: z.enum(['view', 'copy']),
    state: roomStateSchema,
    createdAt: z.string(),
    openedAt: z.string().nullable(),
    endedAt: z.string().nullable(),
    endReason: z.enum(['supervisor', 'expired']).nullable(),
    party: personSchema.nullable(),
    supervisor: personSchema.nullable().describe('the custodian who joined'),
    ...windowShape,
    recordings: z.array(z.object({ recordingId: z.string(), deviceName: z.string().nullable(), startedAt: z.string(), durationMs: z.number(), redacted: z.boolean() }).strict()),
  })
  .strict();

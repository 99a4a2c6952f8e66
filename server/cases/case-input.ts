/** What a case accepts from outside, HTTP and command line alike. */
import { z } from 'zod';
import { type ActionKind, type NotRecordedReason, type Stage, STAGES } from '../db/schema.ts';
import { badgeSchema } from '../badges.ts';
import { unitSchema } from '../units.ts';
import { ACTION_KINDS, NOT_RECORDED_REASON_CODES } from './recording-rules.ts';
import { anyIdSchema, idSchema, recordingIdSchema } from '../ids.ts';

/** Printable text: it is shown on pages, printed by the CLI and written to the audit log. */
const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .regex(/^[^\p{Cc}\p{Cf}]+$/u, 'no control characters');
/** Like `text`, but a written reason or note may run over several lines. */
const prose = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .regex(/^(?:[^\p{Cc}\p{Cf}]|\n)+$/u, 'no control characters');

/** An instant with its offset, stored as RFC 3339 UTC with milliseconds. */
export const instant = z
  .string()
  .datetime({ offset: true })
  .transform((s) => new Date(s).toISOString());
export const caseNoSchema = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[^\s\p{C}/]+$/u, 'a case number: no spaces, slashes or control characters');
export const caseIdSchema = idSchema('case');
export const actionIdSchema = idSchema('act');

export const stageSchema = z.enum(STAGES as [Stage, ...Stage[]]);
export const actionKindSchema = z.enum(ACTION_KINDS as [ActionKind, ...ActionKind[]]);
export const reasonCodeSchema = z.enum(NOT_RECORDED_REASON_CODES as [NotRecordedReason, ...NotRecordedReason[]]);

export const createCaseSchema = z
  .object({
    caseNo: caseNoSchema,
    unit: unitSchema,
    title: text(200),
    initiatedAt: instant.optional(),
    emergency: z.boolean().default(false),
    approvedAt: instant.optional(),
  })
  .strict();

export const memberSchema = z.object({ badge: badgeSchema, role: z.enum(['officer', 'reviewer']) }).strict();

export const stageEventSchema = z.object({ stage: stageSchema, event: z.enum(['start', 'end']), at: instant.optional() }).strict();

export const actionSchema = z
  .object({
    kind: actionKindSchema,
    stage: stageSchema,
    at: instant,
    endedAt: instant.optional(),
    place: text(200).optional(),
    officerBadge: badgeSchema.optional(),
  })
  .strict()
  .refine((a) => a.endedAt === undefined || a.endedAt >= a.at, { message: 'the action ends before it starts', path: ['endedAt'] });

/**
 * A device window gives the case's reviewers replay of everything the device recorded in it: one
 * action's recording, not a device's month. Longer actions link several windows or whole recordings.
 */
export const MAX_LINK_WINDOW_MS = 24 * 3600_000;

export const linkSchema = z.union([
  z.object({ recordingId: recordingIdSchema }).strict(),
  z
    .object({ deviceId: anyIdSchema, from: instant, to: instant })
    .strict()
    .refine((l) => l.to > l.from, { message: 'the window must end after it starts', path: ['to'] })
    .refine((l) => Date.parse(l.to) - Date.parse(l.from) <= MAX_LINK_WINDOW_MS, { message: 'a window spans 24 h at most', path: ['to'] }),
]);

/** `reason: null` clears it; `other` says what in words (004 §13 (三)). */
export const reasonSchema = z
  .object({ reason: reasonCodeSchema.nullable(), text: prose(2000).optional() })
  .strict()
  .refine((r) => r.reason !== 'other' || r.text !== undefined, { message: 'the reason "other" needs its text', path: ['text'] })
  .refine((r) => r.reason !== null || r.text === undefined, { message: 'text without a reason', path: ['text'] });

export const atSchema = z.object({ at: instant.optional() }).strict();
export const annotationSchema = z.object({ text: prose(2000) }).strict();
export const gapNoteSchema = z.object({ reason: prose(2000) }).strict();

/** What the recording routes answer (recording-routes.ts presents a row, server/ledger/verify.ts verifies it), as their contract. */
import { z } from 'zod';
import { labelSchema } from '../recordings/recording-keeping.ts';

const gapCauseSchema = z.enum(['device_disconnect', 'network', 'server_restart', 'device_fault', 'disk_full', 'store_unavailable', 'segmenter_failed', 'node_failover', 'node_handover']);

const recoveryLinkSchema = z.object({ recordingId: z.string(), gapIdx: z.number().int().nullable().describe('the gap entry; null when it was not sealed yet when the recovery was made') }).strict();

/** A code, or a code with how many times it was found. */
const recordingFlagSchema = z.union([z.enum(['clock_drift', 'late_upload', 'audio_only', 'photo']), z.object({ kind: z.literal('decode_errors'), count: z.number().int() }).strict()]);

/** Its retention as shown with the recording, to whoever may replay it (server/retention/retention-view.ts). */
const shownRetentionSchema = z
  .object({
    category: z.enum(['unlinked', 'case', 'hold']).describe('hold above case above unlinked'),
    state: z.enum(['kept', 'expiring', 'expired']),
    keptUntil: z.string().nullable().describe('null while it cannot be dated: held, linked to a case not yet archived, not yet ended'),
    hold: z
      .object({
        reason: z.string(),
        by: z.string().describe('`user:<id>`, or `cli:<login>` for the operator'),
        at: z.string(),
        holder: z.object({ badge: z.string().describe('empty for the operator'), name: z.string() }).strict(),
      })
      .strict()
      .nullable()
      .describe('the legal hold: who placed it, since when and why'),
  })
  .strict();

export const recordingViewSchema = z
  .object({
    id: z.string(),
    deviceId: z.string(),
    deviceName: z.string().describe("the device's id when it has no name"),
    officerBadge: z.string().nullable(),
    unit: z.string(),
    startedAt: z.string(),
    endedAt: z.string().nullable(),
    state: z.enum(['live', 'interrupted', 'closed']),
    segments: z.number().int(),
    gaps: z.number().int(),
    durationMs: z.number(),
    confidentiality: labelSchema,
    origin: z.enum(['live', 'upload']),
    clockDriftMs: z.number().nullable().describe("the device clock minus the server's when the recording started, if the device reported it"),
    flags: z.array(recordingFlagSchema),
    retention: shownRetentionSchema,
  })
  .strict();

export const recordingDetailSchema = z
  .object({
    recording: recordingViewSchema,
    timeline: z.array(
      z
        .object({
          idx: z.number().int(),
          kind: z.enum(['segment', 'gap', 'notice']),
          start: z.string(),
          durationMs: z.number(),
          cause: gapCauseSchema.nullable().describe('a gap: why it paused; a segment: what cut it short (a partial segment its segmenter died writing), else null'),
          by: z.string().nullable().describe('notices: `device` or `user:<id>`'),
        })
        .strict(),
    ),
  })
  .strict();

/** The same document as `liuhen verify --json`. */
export const verificationSchema = z
  .object({
    recordingId: z.string(),
    ok: z.boolean(),
    entries: z.number().int().describe('ledger entries: segments, gaps and notices'),
    segments: z.number().int(),
    gaps: z.number().int(),
    manifestChecked: z.boolean(),
    checkpointsChecked: z.number().int(),
    problems: z.array(
      z
        .object({
          idx: z.number().int().describe('0: the header or the recording as a whole'),
          what: z.enum(['chain_origin', 'recovery_link', 'link', 'hash', 'missing_object', 'foreign_object', 'manifest', 'signature', 'checkpoint', 'sequence']),
          message: z.string(),
        })
        .strict(),
    ),
    expired: z
      .object({
        rule: z.string(),
        periodEndedAt: z.string(),
        expiredAt: z.string(),
        objects: z.number().int(),
        bytes: z.number().int(),
        complete: z.boolean().describe('false while the expiry is under way'),
      })
      .strict()
      .optional()
      .describe("once the retention period ended and the media were removed: the signed expiry record's facts; the objects it names are expired, not missing"),
    recovers: recoveryLinkSchema.optional().describe('a recovery recording: the recording whose node_failover gap its media fill, as its header names it'),
    recoveries: z.array(recoveryLinkSchema).optional().describe('recovery recordings sealed from what a dead node had spooled for this recording, each with the gap it fills'),
  })
  .strict();

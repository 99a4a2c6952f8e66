/** What the recording routes answer (recording-routes.ts presents a row, server/ledger/verify.ts verifies it), as their contract. */
import { z } from 'zod';
import { labelSchema } from '../recordings/recording-keeping.ts';

const gapCauseSchema = z.enum(['device_disconnect', 'network', 'server_restart', 'device_fault', 'disk_full', 'store_unavailable', 'segmenter_failed']);

/** A code, or a code with how many times it was found. */
const recordingFlagSchema = z.union([
  z.enum(['clock_drift', 'late_upload', 'audio_only', 'photo']),
  z.object({ kind: z.literal('decode_errors'), count: z.number().int() }).strict(),
]);

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
          cause: gapCauseSchema.nullable().describe('gaps only'),
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
          what: z.enum(['chain_origin', 'link', 'hash', 'missing_object', 'foreign_object', 'manifest', 'signature', 'checkpoint', 'sequence']),
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
  })
  .strict();

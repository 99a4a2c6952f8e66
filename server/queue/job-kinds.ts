/**
 * Every kind of job a worker runs, with its payload checked at the queue's edge (a job read back
 * from Redis is outside input). Priorities: the wall's live renditions first (asked for only while
 * someone watches the feed), exports next, replay variants and thumbnails after.
 */
import { z } from 'zod';
import type { JobKind } from '../db/schema.ts';

const id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
const segment = z.object({ recordingId: id, idx: z.number().int().min(1) });

export const jobPayloads = {
  /** a sealed segment of a feed someone watches live: its 360p wall rendition, unless it is past the live window */
  'segment.live': segment,
  /** a sealed segment: its thumbnail, its A/B marked replay variants */
  'segment.derive': segment,
  /** a closed recording: any A/B marked replay variant still missing, the scrub sprite sheet */
  'recording.derive': z.object({ recordingId: id }),
  /** a party's copy: one MP4, visible and forensic watermark */
  'export.party_copy': z.object({ exportId: id }),
  /** a court's evidence package: originals bit-exact, manifest, signature, key, README */
  'export.package': z.object({ exportId: id }),
  /** a reviewer's redaction of a closed recording: blurred regions, muted ranges, plain and A/B marked */
  'recording.redact': z.object({ redactionId: id }),
} satisfies Record<JobKind, z.ZodTypeAny>;

export type JobPayload<K extends JobKind> = z.infer<(typeof jobPayloads)[K]>;

export const JOB_PRIORITY: Record<JobKind, number> = {
  'segment.live': 1,
  'segment.derive': 3,
  'export.party_copy': 2,
  'export.package': 2,
  'recording.derive': 3,
  'recording.redact': 2,
};

export const JOB_KINDS = Object.keys(jobPayloads) as JobKind[];

/**
 * The closing manifest of a recording: every segment and gap with its hash and link, signed with
 * the server's Ed25519 key. The signature is over the manifest file's exact bytes, so
 * `openssl pkeyutl -verify -pubin -inkey key.pem -rawin -in manifest.json -sigfile manifest.json.sig`
 * checks it without liuhen.
 */
import { z } from 'zod';
import type { LedgerEntry, Recording } from '../db/schema.ts';
import { linkOf } from './chain.ts';

export const manifestSchema = z.object({
  format: z.literal('liuhen-manifest/1'),
  recording: z.object({
    id: z.string(),
    deviceId: z.string(),
    officerBadge: z.string().nullable(),
    startedAt: z.string(),
    endedAt: z.string().nullable(),
  }),
  header: z.string(),
  headerLink: z.string(),
  entries: z.array(
    z.object({
      idx: z.number().int(),
      kind: z.enum(['segment', 'gap', 'notice']),
      sha256: z.string().nullable(),
      cause: z.string().nullable(),
      by: z.string().nullable().optional(),
      key: z.string().nullable(),
      size: z.number().nullable(),
      start: z.string(),
      durationMs: z.number().int(),
      link: z.string(),
    }),
  ),
  finalLink: z.string(),
  signingKey: z.string(),
  signedAt: z.string(),
});
export type Manifest = z.infer<typeof manifestSchema>;

export function buildManifest(recording: Recording, entries: LedgerEntry[], signingKey: string, signedAt: Date): Buffer {
  const manifest: Manifest = {
    format: 'liuhen-manifest/1',
    recording: {
      id: recording.id,
      deviceId: recording.device_id,
      officerBadge: recording.officer_badge,
      startedAt: recording.started_at,
      endedAt: recording.ended_at,
    },
    header: recording.header_line,
    headerLink: linkOf(recording.header_line),
    entries: entries.map((e) => ({
      idx: e.idx,
      kind: e.kind,
      sha256: e.sha256,
      cause: e.cause,
      ...(e.kind === 'notice' ? { by: e.marker_by } : {}),
      key: e.object_key,
      size: e.size,
      start: e.start_at,
      durationMs: e.duration_ms,
      link: e.link,
    })),
    finalLink: recording.head_link,
    signingKey,
    signedAt: signedAt.toISOString(),
  };
  return Buffer.from(JSON.stringify(manifest, null, 2) + '\n');
}

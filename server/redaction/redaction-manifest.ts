/**
 * The redaction manifest: what a redacted derivative was made from and how. It names the
 * original recording by its signed manifest's hash and final chain link, every original segment
 * by its ledger hash beside the hashes of the redacted variants made from it, and the marks. It is
 * signed with the server's Ed25519 key over its exact bytes (`<key>.sig`, as a recording's
 * manifest), so `openssl pkeyutl -verify` checks it without liuhen.
 */
import { z } from 'zod';
import { redactionMarksSchema } from './redaction-marks.ts';

const stored = z.object({ key: z.string(), sha256: z.string(), size: z.number().int() });

export const redactionManifestSchema = z.object({
  format: z.literal('liuhen-redaction/1'),
  redactionId: z.string(),
  recording: z.object({ id: z.string(), manifestKey: z.string(), manifestSha256: z.string(), finalLink: z.string() }),
  marks: redactionMarksSchema,
  createdBy: z.string(),
  createdAt: z.string(),
  segments: z.array(
    z.object({
      idx: z.number().int(),
      sourceSha256: z.string(),
      durationMs: z.number().int(),
      variants: z.object({ plain: stored, mark_a: stored, mark_b: stored }),
    }),
  ),
  signingKey: z.string(),
  signedAt: z.string(),
});
export type RedactionManifest = z.infer<typeof redactionManifestSchema>;

export const signatureKeyOf = (manifestKey: string) => `${manifestKey}.sig`;

export function buildRedactionManifest(m: Omit<RedactionManifest, 'format'>): Buffer {
  const manifest: RedactionManifest = { format: 'liuhen-redaction/1', ...m };
  return Buffer.from(JSON.stringify(manifest, null, 2) + '\n');
}

/**
 * What a device declares about an offline recording, sent as tus Upload-Metadata: comma-separated
 * `key base64(value)` pairs. Times are by the device's clock; liuhen corrects them later by the
 * drift it measured (upload-timing.ts). Keys liuhen does not know (tus clients add `filetype`…)
 * are dropped.
 */
import { z } from 'zod';
import { InvalidInput } from '../errors.ts';

const instant = z
  .string()
  .datetime({ offset: true })
  .transform((s) => new Date(s).toISOString());

export const uploadMetadataSchema = z.object({
  /** when the camera started recording, by its own clock */
  startedAt: instant,
  filename: z.string().min(1).max(255).optional(),
  /** why it arrives late, when it does; kept on the recording for reviewers */
  lateReason: z.string().trim().min(1).max(1000).optional(),
  /** remote or continuous work: when the officer got back to the unit, which starts the 24 h (000 §19, 003 §23) */
  returnedAt: instant.optional(),
  /** of the whole file, as the camera wrote it */
  sha256: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, 'sha256 is 64 hex digits')
    .transform((s) => s.toLowerCase())
    .optional(),
});
export type UploadMetadata = z.infer<typeof uploadMetadataSchema>;

const KEY = /^[A-Za-z0-9_.-]{1,64}$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function parseUploadMetadata(header: string | undefined): UploadMetadata {
  const pairs = new Map<string, string>();
  for (const item of (header ?? '').split(',')) {
    const pair = item.trim();
    if (!pair) continue;
    const [key = '', value = '', ...rest] = pair.split(' ');
    if (!KEY.test(key) || rest.length > 0 || !BASE64.test(value)) throw new InvalidInput(`Upload-Metadata: malformed pair ${JSON.stringify(pair.slice(0, 80))}`);
    if (pairs.has(key)) throw new InvalidInput(`Upload-Metadata: ${key} given twice`);
    pairs.set(key, Buffer.from(value, 'base64').toString('utf8'));
  }
  return uploadMetadataSchema.parse(Object.fromEntries(pairs));
}

/** The facts as kept in uploads.metadata: written by liuhen, read back through the same schema. */
export function storedMetadata(json: string): UploadMetadata {
  return uploadMetadataSchema.parse(JSON.parse(json));
}

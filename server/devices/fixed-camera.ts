/**
 * What a fixed camera's registration stores about its RTSP address: the URL without credentials,
 * and the credentials sealed with a server key (never in clear, never printed).
 */
import { z } from 'zod';
import { sealText } from '../crypto/sealed-text.ts';
import type { Device } from '../db/schema.ts';
import { rtspUrlSchema, splitRtspUrl } from '../ingest/rtsp-url.ts';

export const rtspInputSchema = z.object({
  rtspUrl: rtspUrlSchema,
  rtspUser: z.string().max(200).optional(),
  rtspPassword: z.string().max(200).optional(),
});
export type RtspInput = z.infer<typeof rtspInputSchema>;

export function rtspColumns(input: RtspInput, secretsKey: Buffer): Pick<Device, 'rtsp_url' | 'rtsp_secret'> {
  const address = splitRtspUrl(input.rtspUrl, input.rtspUser, input.rtspPassword);
  return { rtsp_url: address.url, rtsp_secret: address.credentials ? sealText(secretsKey, address.credentials) : null };
}

/**
 * A fixed camera's RTSP address. liuhen keeps the URL and the credentials apart: the URL is shown
 * and logged, the credentials are sealed (crypto/sealed-text.ts) and only ever put back together
 * in the argument list of the ffmpeg that pulls the camera. Anything ffmpeg prints is redacted
 * before it reaches a log, an error or the audit.
 */
import { z } from 'zod';

export const rtspUrlSchema = z
  .string()
  .trim()
  .max(2000)
  .refine((v) => URL.canParse(v) && /^rtsps?:$/.test(new URL(v).protocol), 'an rtsp:// or rtsps:// URL');

export interface RtspAddress {
  /** the URL without credentials */
  url: string;
  /** "user:password" (each URI-encoded), or null when the camera needs none */
  credentials: string | null;
}

/** Takes credentials from the URL, or from `user`/`password` given apart (those win). */
export function splitRtspUrl(input: string, user?: string, password?: string): RtspAddress {
  const url = new URL(rtspUrlSchema.parse(input));
  const u = user ?? decodeURIComponent(url.username);
  const p = password ?? decodeURIComponent(url.password);
  url.username = '';
  url.password = '';
  return { url: url.toString(), credentials: u || p ? `${encodeURIComponent(u)}:${encodeURIComponent(p)}` : null };
}

export function joinRtspUrl(a: RtspAddress): string {
  if (!a.credentials) return a.url;
  const url = new URL(a.url);
  const [u = '', p = ''] = a.credentials.split(':');
  url.username = u;
  url.password = p;
  return url.toString();
}

/** Removes credentials from text ffmpeg wrote: any `scheme://…@` and the password itself. */
export function redactRtsp(text: string, a: RtspAddress): string {
  let out = text.replace(/(rtsps?:\/\/)[^\s/@]*@/gi, '$1***@');
  const password = a.credentials?.split(':')[1];
  if (password) for (const form of new Set([password, decodeURIComponent(password)])) if (form.length >= 3) out = out.split(form).join('***');
  return out;
}

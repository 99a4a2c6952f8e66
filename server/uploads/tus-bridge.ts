/**
 * Between Express and @tus/server: the Express request as the library reads it (a web Request),
 * and the library's refusals in liuhen's words (upload-errors.ts), so they are answered and
 * audited like every other refusal of the API.
 */
import { PassThrough, Readable } from 'node:stream';
import type { Request } from 'express';
import { ZodError } from 'zod';
import { InvalidInput, LiuhenError } from '../errors.ts';
import { UploadNotFound, UploadOffsetMismatch, UploadTooLarge } from './upload-errors.ts';

/** The request headers tus reads; the rest (proxies' X-Forwarded-*, cookies…) are none of its business. */
const TUS_REQUEST_HEADER = /^(tus-resumable|upload-[a-z-]+|content-type|content-length)$/;
/** The response headers of the protocol; the library's CORS headers are not for cameras. */
const TUS_RESPONSE_HEADER = /^(tus-[a-z-]+|upload-[a-z-]+|location|cache-control|connection)$/;

export const isTusResponseHeader = (name: string): boolean => TUS_RESPONSE_HEADER.test(name);

export const baseType = (contentType: string | undefined): string => (contentType ?? '').split(';')[0]!.trim().toLowerCase();

/** The request as the library reads it: a web Request over the Express one, its body streamed. */
export function tusRequest(req: Request): globalThis.Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (TUS_REQUEST_HEADER.test(name) && typeof value === 'string') headers.set(name, name === 'content-type' ? baseType(value) : value);
  }
  return new globalThis.Request(new URL(req.baseUrl + req.path, 'http://liuhen.invalid'), {
    method: req.method,
    headers,
    ...(req.method === 'PATCH' ? { body: Readable.toWeb(bodyOf(req)) as ReadableStream, duplex: 'half' } : {}),
  } as RequestInit);
}

/**
 * A body that breaks off (the camera lost coverage) ends where it broke, so what arrived is
 * written and counted — what the library does itself for the Node requests it wraps. Broken off
 * as an error instead, it would let go of the upload's lock before the store had counted the bytes.
 */
function bodyOf(req: Request): Readable {
  const body = new PassThrough();
  const cut = () => {
    req.unpipe(body);
    if (!body.writableEnded) body.end();
  };
  req.once('error', cut);
  req.once('close', () => {
    if (!req.complete) cut();
  });
  return req.pipe(body);
}

/**
 * A refusal of the library's, in liuhen's words (upload-errors.ts); liuhen's own (thrown in its
 * hooks) stay as they are. The library's are objects with a status and a text body.
 */
export function liuhenErrorOf(err: unknown, req: globalThis.Request): unknown {
  if (err instanceof LiuhenError || err instanceof ZodError) return err;
  const { status_code: status, body } = err as { status_code?: number; body?: string };
  if (typeof status !== 'number') return err;
  const text = (body ?? '').trim();
  if (status === 404 || status === 410) return new UploadNotFound(new URL(req.url).pathname.split('/').pop() ?? '');
  if (status === 409) return new UploadOffsetMismatch(req.headers.get('upload-offset'));
  if (status === 413) return new UploadTooLarge(text);
  // 501: an extension liuhen does not offer (deferred length, concatenation) — a request to fix.
  if (status < 500 || status === 501) return new InvalidInput(text);
  return new Error(`tus: ${status} ${text}`);
}

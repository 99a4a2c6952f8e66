/**
 * Resumable upload of offline recordings over tus 1.0.0 (https://tus.io/protocols/resumable-upload):
 * core + creation. No termination: evidence has no delete path. An unfinished upload idle for
 * config.uploads.expireMs is removed by the server (upload-expiry.ts); its HEAD then answers 404.
 * Devices authenticate with their own credential.
 *
 * Beyond tus, `GET /:id/result` tells the device what became of a finished upload, and a sealed
 * upload's responses carry its recording id in `Liuhen-Recording`.
 */
import { type ErrorRequestHandler, type NextFunction, type Request, type Response, Router } from 'express';
import { ZodError, z } from 'zod';
import type { Upload } from '../db/schema.ts';
import { LiuhenError, markAudited, wasAudited } from '../errors.ts';
import type { ApiDeps } from '../http/api-deps.ts';
import { deviceOf, requireDevice } from '../http/authenticate-device.ts';
import { statusFor } from '../http/error-status.ts';
import { contextOf } from '../http/request-context.ts';
import { TusVersionUnsupported, UploadContentType, UploadNoRoom } from './upload-errors.ts';
import { parseUploadMetadata } from './upload-metadata.ts';
import { idSchema } from '../ids.ts';

const TUS_VERSION = '1.0.0';
const PATCH_TYPE = 'application/offset+octet-stream';

const byteCount = z.string().regex(/^\d{1,15}$/, 'a whole number of bytes').transform(Number);
const idParam = z.object({ id: idSchema('upl') });
const creationHeaders = z.object({ 'upload-length': byteCount });
const patchHeaders = z.object({ 'upload-offset': byteCount, 'content-length': byteCount.optional() });

/** tus: every response says which protocol it speaks, refusals included. */
function announceTus(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader('Tus-Resumable', TUS_VERSION);
  next();
}

function requireTusVersion(req: Request, res: Response, next: NextFunction): void {
  const version = req.get('tus-resumable');
  if (version === TUS_VERSION) return next();
  res.setHeader('Tus-Version', TUS_VERSION);
  next(new TusVersionUnsupported(version));
}

function withRecording(res: Response, upload: Pick<Upload, 'state' | 'recording_id'>): Response {
  if (upload.state === 'sealed' && upload.recording_id) res.setHeader('Liuhen-Recording', upload.recording_id);
  return res;
}

export function tusRoutes(d: ApiDeps): Router {
  const uploads = Router();
  const idOf = (req: Request) => idParam.parse(req.params).id;

  uploads.options('/', (_req, res) => {
    res.set({ 'Tus-Version': TUS_VERSION, 'Tus-Extension': 'creation', 'Tus-Max-Size': String(d.uploads.settings.maxBytes) }).status(204).end();
  });

  uploads.post('/', requireTusVersion, async (req, res) => {
    const { 'upload-length': length } = creationHeaders.parse(req.headers);
    const upload = await d.uploads.create(deviceOf(res), length, parseUploadMetadata(req.get('upload-metadata')), contextOf(req));
    res.set({ Location: `${req.baseUrl}/${upload.id}`, 'Upload-Offset': '0' }).status(201).end();
  });

  uploads.head('/:id', requireTusVersion, async (req, res) => {
    const upload = await d.uploads.current(deviceOf(res), idOf(req));
    withRecording(res, upload).set({ 'Upload-Offset': String(upload.offset), 'Upload-Length': String(upload.length), 'Cache-Control': 'no-store' }).status(200).end();
  });

  uploads.patch('/:id', requireTusVersion, async (req, res) => {
    if ((req.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase() !== PATCH_TYPE) throw new UploadContentType();
    const headers = patchHeaders.parse(req.headers);
    const upload = await d.uploads.append(deviceOf(res), idOf(req), headers['upload-offset'], req, headers['content-length']);
    withRecording(res, upload).set('Upload-Offset', String(upload.offset)).status(204).end();
  });

  uploads.get('/:id/result', async (req, res) => {
    const result = await d.uploads.result(deviceOf(res), idOf(req));
    withRecording(res, { state: result.state, recording_id: result.recordingId }).json(result);
  });

  /** Refusals of an authenticated device are audited under its name, not as an anonymous request. */
  const auditRefusal: ErrorRequestHandler = async (err, req, res, next) => {
    if (!wasAudited(err) && res.locals.device) {
      const ctx = contextOf(req);
      const status = statusFor(err);
      const reason = err instanceof LiuhenError ? err.code : err instanceof ZodError ? 'invalid_input' : 'bad_request';
      await d.audit.record({
        actor: `device:${deviceOf(res).id}`, action: 'upload.request', subject: `${req.method} ${req.originalUrl}`.slice(0, 200),
        outcome: status >= 500 ? 'error' : 'refused', address: ctx.address, userAgent: ctx.userAgent, detail: { status, reason },
      });
      markAudited(err);
    }
    next(err);
  };

  /** No room now is a state the device waits out: it is told why, for its operator, beside the code. */
  const explainNoRoom: ErrorRequestHandler = (err, _req, res, next) => {
    if (!(err instanceof UploadNoRoom)) return next(err);
    res.status(statusFor(err)).json({ error: err.code, message: err.message });
  };

  const r = Router();
  r.use('/device/uploads', announceTus, requireDevice(d.gate), uploads, auditRefusal, explainNoRoom);
  return r;
}

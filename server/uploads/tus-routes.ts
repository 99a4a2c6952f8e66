/**
 * Resumable upload of offline recordings over tus 1.0.0 (https://tus.io/protocols/resumable-upload),
 * served by @tus/server: core, creation and termination (a device may drop its own unfinished
 * upload; nothing with all its bytes can be). An unfinished upload idle for config.uploads.expireMs
 * is removed by the server (upload-expiry.ts); its HEAD then answers 404. Devices authenticate with
 * their own credential.
 *
 * Express stays in front: device authentication, the version and content-type checks, and every
 * refusal answered and audited the way the rest of liuhen's API does it. liuhen's rules run in the
 * library's hooks (uploads.ts); its store is upload-store.ts, the way between the two tus-bridge.ts.
 *
 * Beyond tus, `GET /:id/result` tells the device what became of a finished upload, and a sealed
 * upload's responses carry its recording id in `Liuhen-Recording`.
 */
import { ERRORS, Server } from '@tus/server';
import { type ErrorRequestHandler, type NextFunction, type Request, type Response, Router } from 'express';
import { ZodError, z } from 'zod';
import type { RequestContext } from '../auth/auth-service.ts';
import type { Device, Upload } from '../db/schema.ts';
import { LiuhenError, markAudited, wasAudited } from '../errors.ts';
import type { ApiDeps } from '../http/api-deps.ts';
import { deviceOf, requireDevice } from '../http/authenticate-device.ts';
import { statusFor } from '../http/error-status.ts';
import { contextOf } from '../http/request-context.ts';
import { idSchema, newId } from '../ids.ts';
import { baseType, isTusResponseHeader, liuhenErrorOf, tusRequest } from './tus-bridge.ts';
import { TusVersionUnsupported, UploadContentType, UploadNoRoom } from './upload-errors.ts';
import { parseUploadMetadata } from './upload-metadata.ts';

const TUS_VERSION = '1.0.0';
const PATCH_TYPE = 'application/offset+octet-stream';
const UPLOADS_PATH = '/api/device/uploads';

const uploadId = idSchema('upl');
const idParam = z.object({ id: uploadId });

/** One request through the library: who asks, and what liuhen made of a refusal. */
interface Exchange {
  device: Device;
  ctx: RequestContext;
  /** the upload asked about, as it was when the request came in (all but creation) */
  upload?: Upload;
  error?: unknown;
  /** the client went away mid-body: what arrived is kept, and there is no one to refuse */
  aborted?: boolean;
}

/** tus: every response says which protocol it speaks, refusals included. */
function announceTus(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader('Tus-Resumable', TUS_VERSION);
  next();
}

/** The library answers a missing version 412 but a wrong one 400, in its own words: liuhen answers both as tus says. */
function requireTusVersion(req: Request, res: Response, next: NextFunction): void {
  const version = req.get('tus-resumable');
  if (version === TUS_VERSION) return next();
  res.setHeader('Tus-Version', TUS_VERSION);
  next(new TusVersionUnsupported(version));
}

function requirePatchType(req: Request, _res: Response, next: NextFunction): void {
  next(baseType(req.get('content-type')) === PATCH_TYPE ? undefined : new UploadContentType());
}

function withRecording(res: Response, upload: Pick<Upload, 'state' | 'recording_id'> | undefined): Response {
  if (upload?.state === 'sealed' && upload.recording_id) res.setHeader('Liuhen-Recording', upload.recording_id);
  return res;
}

export function tusRoutes(d: ApiDeps): Router {
  const exchanges = new WeakMap<globalThis.Request, Exchange>();
  const exchangeOf = (req: globalThis.Request) => exchanges.get(req)!;

  // Made at the first request: mounting the routes touches no service (api-document.ts mounts them with none).
  let made: Server | undefined;
  const tus = () =>
    (made ??= new Server({
      path: UPLOADS_PATH,
      datastore: d.uploads.store,
      locker: d.uploads.locker,
      relativeLocation: true,
      allowedOrigins: [],
      // Advertised on OPTIONS (the library asks with no id); enforced at creation by liuhen's hook, which audits the refusal.
      maxSize: (_req, id) => (id === null ? d.uploads.settings.maxBytes : 0),
      namingFunction: () => newId('upl'),
      getFileIdFromRequest: (_req, lastPath) => uploadId.parse(lastPath),
      onIncomingRequest: async (req, id) => {
        if (req.method === 'POST') return;
        const exchange = exchangeOf(req);
        exchange.upload = await d.uploads.find(exchange.device, id);
        if (req.method === 'DELETE') d.uploads.terminable(exchange.upload);
      },
      onUploadCreate: async (req, upload) => {
        const { device, ctx } = exchangeOf(req);
        // The library's reading of Upload-Metadata is lenient (keys without values, any key): liuhen's schema decides.
        await d.uploads.create(device, upload.id, upload.size!, parseUploadMetadata(req.headers.get('upload-metadata') ?? undefined), ctx);
        return {};
      },
      onResponseError: (req, err) => {
        const exchange = exchangeOf(req);
        if (err === ERRORS.ABORTED) exchange.aborted = true;
        else exchange.error = liuhenErrorOf(err, req);
        return undefined;
      },
    }));

  /** Hands the request to the library; its refusals go on to liuhen's error handlers like any route's. */
  const serveTus = async (req: Request, res: Response, next: NextFunction) => {
    const request = tusRequest(req);
    const exchange: Exchange = { device: deviceOf(res), ctx: contextOf(req) };
    exchanges.set(request, exchange);
    const answer = await tus().handleWeb(request);
    // What the library left unread of a body (one past the upload's length) is read to its end, so the client hears the refusal.
    req.unpipe();
    req.resume();
    if (exchange.aborted) return void res.status(answer.status).set('Connection', 'close').end();
    // Answered by the library before any hook (a malformed header): no error was handed over, only its text.
    const refused = exchange.error ?? (answer.status >= 400 ? liuhenErrorOf({ status_code: answer.status, body: await answer.text() }, request) : undefined);
    if (refused) return next(refused);
    if (req.method === 'DELETE' && answer.status === 204) await d.uploads.terminated(exchange.device, exchange.upload!, exchange.ctx);
    // A new upload's offset, which the library says only when the creation carried bytes (creation-with-upload).
    if (req.method === 'POST') res.setHeader('Upload-Offset', '0');
    for (const [name, value] of answer.headers) if (isTusResponseHeader(name)) res.setHeader(name, value);
    withRecording(res, exchange.upload).status(answer.status).end();
  };

  const uploads = Router();
  const idOf = (req: Request) => idParam.parse(req.params).id;

  uploads.get('/:id/result', async (req, res) => {
    const result = await d.uploads.result(deviceOf(res), idOf(req));
    withRecording(res, { state: result.state, recording_id: result.recordingId }).json(result);
  });
  uploads.options('/', serveTus);
  uploads.post('/', requireTusVersion, serveTus);
  uploads.head('/:id', requireTusVersion, serveTus);
  uploads.patch('/:id', requireTusVersion, requirePatchType, serveTus);
  uploads.delete('/:id', requireTusVersion, serveTus);

  /** Refusals of an authenticated device are audited under its name, not as an anonymous request. */
  const auditRefusal: ErrorRequestHandler = async (err, req, res, next) => {
    if (!wasAudited(err) && res.locals.device) {
      const ctx = contextOf(req);
      const status = statusFor(err);
      const reason = err instanceof LiuhenError ? err.code : err instanceof ZodError ? 'invalid_input' : 'bad_request';
      await d.audit.record({
        actor: `device:${deviceOf(res).id}`,
        action: 'upload.request',
        subject: `${req.method} ${req.originalUrl}`.slice(0, 200),
        outcome: status >= 500 ? 'error' : 'refused',
        address: ctx.address,
        userAgent: ctx.userAgent,
        detail: { status, reason },
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
  r.use('/device/uploads', announceTus, requireDevice(d), uploads, auditRefusal, explainNoRoom);
  return r;
}

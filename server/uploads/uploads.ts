/**
 * Offline recordings arriving by resumable upload (tus 1.0.0, tus-routes.ts): one row per upload
 * and its bytes in a part file (upload-store.ts). Only the device that created an upload can see
 * or touch it. When the last byte is durable the upload is handed to the offline ingest, which
 * checks and seals it.
 *
 * One request per upload at a time: @tus/server's lock, which the expiry sweep takes too.
 *
 * Unfinished uploads hold disk that recordings need: a device's unfinished bytes are capped
 * (config.uploads.quotaBytes), none start while the disk is below its reserve, and an upload
 * that has received nothing for config.uploads.expireMs is removed (upload-expiry.ts). A device
 * may also terminate its own unfinished upload; nothing that has all its bytes can be.
 */
import { MemoryLocker } from '@tus/server';
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.ts';
import type { RequestContext } from '../auth/auth-service.ts';
import type { Config } from '../config.ts';
import type { Repositories } from '../db/repositories.ts';
import { RecordingRepository } from '../db/recording-repository.ts';
import type { DecodeErrorsFlag, Device, RecordingFlag, Upload } from '../db/schema.ts';
import type { UploadRepository } from '../db/upload-repository.ts';
import { InvalidInput, type LiuhenError, markAudited } from '../errors.ts';
import type { DiskReserve } from '../storage/disk-reserve.ts';
import type { OfflineIngest } from './offline-ingest.ts';
import { REFUSAL_TEXT, type RefusalReason } from './upload-checks.ts';
import { UploadElsewhere, UploadFinished, UploadNoRoom, UploadNotFound, UploadTooLarge } from './upload-errors.ts';
import { hasPart } from './part-file.ts';
import { UploadExpiry } from './upload-expiry.ts';
import { storedMetadata, type UploadMetadata } from './upload-metadata.ts';
import { type UploadRecords, UploadStore } from './upload-store.ts';
import { toServerClock } from './upload-timing.ts';
import { type Clock, systemClock } from '../clock.ts';

/** What the device learns once its upload was checked. */
export interface UploadResult {
  state: Upload['state'];
  recordingId: string | null;
  /** the refusal's code */
  error: string | null;
  late: boolean | null;
  deadline: string | null;
  /** sealed: the errors a full decode of the file reported (0 when intact) */
  decodeErrors: number | null;
  /** for the device's operator: why it was refused, or what is wrong with what was sealed */
  message: string | null;
}

/** A device clock a little ahead is not a claim about the future. */
const FUTURE_SLACK_MS = 5 * 60_000;

export class Uploads implements UploadRecords {
  /** per device: creations one after another, so two at once cannot both fit the quota's last room */
  private readonly creating = new Map<string, Promise<unknown>>();
  /** @tus/server's per-upload lock, shared with the expiry sweep */
  readonly locker = new MemoryLocker();
  readonly store: UploadStore;
  private readonly expiry: UploadExpiry;
  private readonly uploads: UploadRepository;

  constructor(
    repos: Repositories,
    private readonly audit: AuditLog,
    private readonly ingest: OfflineIngest,
    readonly settings: Config['uploads'],
    private readonly disk: Pick<DiskReserve, 'refusal'>,
    log: Logger,
    private readonly clock: Clock = systemClock,
  ) {
    this.uploads = repos.uploads;
    this.store = new UploadStore(settings.dir, this);
    this.expiry = new UploadExpiry(repos, audit, this.locker, settings, log, clock);
  }

  /** Before uploads are accepted: removes part files no upload needs, and starts expiring idle uploads. */
  start(): Promise<void> {
    return this.expiry.start();
  }

  stop(): Promise<void> {
    return this.expiry.stop();
  }

  /** tus creation, before its part file is made: liuhen's checks, then the row. */
  async create(device: Device, id: string, length: number, metadata: UploadMetadata, ctx: RequestContext): Promise<Upload> {
    const actor = `device:${device.id}`;
    const refuse = async (err: LiuhenError, reason: string, detail: Record<string, unknown>): Promise<never> => {
      await this.audit.record({
        actor,
        action: 'upload.refused',
        subject: null,
        outcome: 'refused',
        address: ctx.address,
        userAgent: ctx.userAgent,
        detail: { reason, length, ...detail, filename: metadata.filename ?? null },
      });
      throw markAudited(err);
    };
    if (length > this.settings.maxBytes) {
      await refuse(new UploadTooLarge(`Upload-Length ${length} exceeds the ${this.settings.maxBytes}-byte limit`), 'too_large', { maxBytes: this.settings.maxBytes });
    }
    const low = this.disk.refusal();
    if (low) await refuse(new UploadNoRoom('insufficient_storage', low), 'disk_reserve', { message: low });
    const now = this.clock.now();
    // A start or return time after now would move the deadline wherever the device likes.
    for (const [name, at] of [
      ['startedAt', metadata.startedAt],
      ['returnedAt', metadata.returnedAt],
    ] as const) {
      if (at && toServerClock(new Date(at), device.clock_drift_ms).getTime() > now.getTime() + FUTURE_SLACK_MS) throw new InvalidInput(`${name} is in the future`);
    }
    const upload = await this.oneAtATime(device.id, async () => {
      const unfinished = await this.uploads.unfinishedBytes(device.id);
      if (unfinished + length > this.settings.quotaBytes) {
        const message = `this device's unfinished uploads hold ${unfinished} bytes; ${length} more would pass its quota of ${this.settings.quotaBytes}: finish them first`;
        await refuse(new UploadNoRoom('upload_quota_exceeded', message), 'quota_exceeded', { unfinishedBytes: unfinished, quotaBytes: this.settings.quotaBytes });
      }
      const row: Upload = {
        id,
        device_id: device.id,
        length,
        offset: 0,
        metadata: JSON.stringify(metadata),
        state: 'receiving',
        error: null,
        recording_id: null,
        created_at: now.toISOString(),
        updated_at: now.toISOString(),
      };
      await this.uploads.add(row);
      return row;
    });
    await this.audit.record({
      actor,
      action: 'upload.create',
      subject: upload.id,
      outcome: 'ok',
      address: ctx.address,
      userAgent: ctx.userAgent,
      detail: { length, filename: metadata.filename ?? null, startedAt: metadata.startedAt, returnedAt: metadata.returnedAt ?? null },
    });
    return upload;
  }

  private oneAtATime<T>(key: string, work: () => Promise<T>): Promise<T> {
    const run = (this.creating.get(key) ?? Promise.resolve()).then(work);
    const settled = run.catch(() => undefined);
    this.creating.set(key, settled);
    void settled.then(() => {
      if (this.creating.get(key) === settled) this.creating.delete(key);
    });
    return run;
  }

  async find(device: Device, id: string): Promise<Upload> {
    const upload = await this.uploads.findOf(device.id, id);
    if (!upload) throw new UploadNotFound(id);
    if (upload.state === 'receiving' && !(await hasPart(this.settings.dir, id))) throw new UploadElsewhere(id);
    return upload;
  }

  row(id: string): Promise<Upload | undefined> {
    return this.uploads.find(id);
  }

  async received(id: string, from: number, to: number): Promise<void> {
    const upload = await this.row(id);
    if (!upload) throw new UploadNotFound(id);
    // The row's updated_at on entering `processing` is when the last byte arrived: the ingest reads it as received_at.
    const state = to === upload.length ? 'processing' : 'receiving';
    if (!(await this.uploads.received(id, from, to, state, this.clock.now().toISOString()))) throw new Error(`upload ${id} moved while being written`);
    if (state === 'processing') this.ingest.enqueue(id);
  }

  /** Only an upload still receiving may be terminated: checked before the lock is taken, and again under it (terminate). */
  terminable(upload: Upload): void {
    if (upload.state !== 'receiving') throw new UploadFinished(upload.id);
  }

  async terminate(id: string): Promise<void> {
    if (!(await this.uploads.terminate(id))) throw new UploadFinished(id);
  }

  /** After a device terminated its upload (tus DELETE): `upload` as it was before. */
  async terminated(device: Device, upload: Upload, ctx: RequestContext): Promise<void> {
    await this.audit.record({
      actor: `device:${device.id}`,
      action: 'upload.terminated',
      subject: upload.id,
      outcome: 'ok',
      address: ctx.address,
      userAgent: ctx.userAgent,
      detail: { offset: upload.offset, length: upload.length, filename: storedMetadata(upload.metadata).filename ?? null },
    });
  }

  async result(device: Device, id: string): Promise<UploadResult> {
    const upload = await this.find(device, id);
    const recording = upload.recording_id ? await this.uploads.beside(RecordingRepository).find(upload.recording_id) : undefined;
    const decodeErrors = recording ? ((JSON.parse(recording.flags) as RecordingFlag[]).find(isDecodeErrors)?.count ?? 0) : null;
    return {
      state: upload.state,
      recordingId: upload.recording_id,
      error: upload.error,
      late: recording && recording.late !== null ? recording.late === 1 : null,
      deadline: recording?.upload_deadline ?? null,
      decodeErrors,
      message: upload.error
        ? (REFUSAL_TEXT[upload.error as RefusalReason] ?? upload.error)
        : decodeErrors
          ? `sealed as received, but decoding it reported ${decodeErrors} errors: the device may have written it damaged`
          : null,
    };
  }
}

function isDecodeErrors(flag: RecordingFlag): flag is DecodeErrorsFlag {
  return typeof flag === 'object' && flag.kind === 'decode_errors';
}

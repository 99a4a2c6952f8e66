/**
 * Offline recordings arriving by resumable upload (tus 1.0.0, tus-routes.ts): one row per upload
 * and its bytes in a part file. Only the device that created an upload can see or touch it. When
 * the last byte is durable the upload is handed to the offline ingest, which checks and seals it.
 *
 * One write per upload at a time: a request for an upload stops the write in flight (its client
 * has given up on it and is resuming) and waits for what it wrote to be counted, so a HEAD after
 * a broken PATCH reports every byte that arrived.
 */
import type { Readable } from 'node:stream';
import type { AuditLog } from '../audit/audit-log.ts';
import type { RequestContext } from '../auth/auth-service.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import type { Device, Upload } from '../db/schema.ts';
import { InvalidInput, markAudited } from '../errors.ts';
import { newId } from '../ids.ts';
import type { OfflineIngest } from './offline-ingest.ts';
import { createPart, partPath, writePart } from './part-file.ts';
import { UploadNotFound, UploadOffsetMismatch, UploadTooLarge } from './upload-errors.ts';
import type { UploadMetadata } from './upload-metadata.ts';
import { toServerClock } from './upload-timing.ts';

/** What the device learns once its upload was checked. */
export interface UploadResult {
  state: Upload['state'];
  recordingId: string | null;
  error: string | null;
  late: boolean | null;
  deadline: string | null;
}

/** A device clock a little ahead is not a claim about the future. */
const FUTURE_SLACK_MS = 5 * 60_000;

interface Writer {
  stop(): void;
  done: Promise<void>;
}

export class Uploads {
  private readonly writers = new Map<string, Writer>();

  constructor(
    private readonly db: Db,
    private readonly audit: AuditLog,
    private readonly ingest: OfflineIngest,
    readonly settings: Config['uploads'],
    private readonly now: () => Date = () => new Date(),
  ) {}

  async create(device: Device, length: number, metadata: UploadMetadata, ctx: RequestContext): Promise<Upload> {
    const actor = `device:${device.id}`;
    if (length > this.settings.maxBytes) {
      await this.audit.record({
        actor, action: 'upload.refused', subject: null, outcome: 'refused', address: ctx.address, userAgent: ctx.userAgent,
        detail: { reason: 'too_large', length, maxBytes: this.settings.maxBytes, filename: metadata.filename ?? null },
      });
      throw markAudited(new UploadTooLarge(`Upload-Length ${length} exceeds the ${this.settings.maxBytes}-byte limit`));
    }
    const now = this.now();
    // A start or return time after now would move the deadline wherever the device likes.
    for (const [name, at] of [['startedAt', metadata.startedAt], ['returnedAt', metadata.returnedAt]] as const) {
      if (at && toServerClock(new Date(at), device.clock_drift_ms).getTime() > now.getTime() + FUTURE_SLACK_MS) throw new InvalidInput(`${name} is in the future`);
    }
    const upload: Upload = {
      id: newId('upl', now), device_id: device.id, length, offset: 0, metadata: JSON.stringify(metadata),
      state: 'receiving', error: null, recording_id: null, created_at: now.toISOString(), updated_at: now.toISOString(),
    };
    await createPart(this.settings.dir, upload.id);
    await this.db.insertInto('uploads').values(upload).execute();
    await this.audit.record({
      actor, action: 'upload.create', subject: upload.id, outcome: 'ok', address: ctx.address, userAgent: ctx.userAgent,
      detail: { length, filename: metadata.filename ?? null, startedAt: metadata.startedAt, returnedAt: metadata.returnedAt ?? null },
    });
    return upload;
  }

  async find(device: Device, id: string): Promise<Upload> {
    const upload = await this.db.selectFrom('uploads').selectAll().where('id', '=', id).where('device_id', '=', device.id).executeTakeFirst();
    if (!upload) throw new UploadNotFound(id);
    return upload;
  }

  /** The durable offset, after any write in flight has stopped and been counted. */
  async current(device: Device, id: string): Promise<Upload> {
    await this.find(device, id);
    const release = await this.takeOver(id, () => undefined);
    try {
      return await this.find(device, id);
    } finally {
      release();
    }
  }

  /** tus PATCH: `body` is written at `offset`, which must be where the upload stands. */
  async append(device: Device, id: string, offset: number, body: Readable, contentLength: number | undefined): Promise<Upload> {
    await this.find(device, id);
    const release = await this.takeOver(id, () => body.destroy());
    try {
      const upload = await this.find(device, id);
      if (upload.offset !== offset) throw new UploadOffsetMismatch(upload.offset, offset);
      const room = upload.state === 'receiving' ? upload.length - upload.offset : 0;
      const tooMuch = () => new UploadTooLarge(`only ${room} more bytes fit this upload (Upload-Length ${upload.length})`);
      if (contentLength !== undefined && contentLength > room) throw tooMuch();
      const { written, overrun } = await writePart(partPath(this.settings.dir, id), offset, body, room);
      if (overrun) throw tooMuch();
      if (written === 0) return upload;
      const moved: Upload = { ...upload, offset: offset + written, updated_at: this.now().toISOString() };
      // The row's updated_at on entering `processing` is when the last byte arrived: the ingest reads it as received_at.
      if (moved.offset === upload.length) moved.state = 'processing';
      const updated = await this.db
        .updateTable('uploads')
        .set({ offset: moved.offset, state: moved.state, updated_at: moved.updated_at })
        .where('id', '=', id)
        .where('offset', '=', offset)
        .where('state', '=', 'receiving')
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) throw new Error(`upload ${id} moved while being written`);
      if (moved.state === 'processing') this.ingest.enqueue(id);
      return moved;
    } finally {
      release();
    }
  }

  async result(device: Device, id: string): Promise<UploadResult> {
    const upload = await this.find(device, id);
    const recording = upload.recording_id
      ? await this.db.selectFrom('recordings').select(['late', 'upload_deadline']).where('id', '=', upload.recording_id).executeTakeFirst()
      : undefined;
    return {
      state: upload.state,
      recordingId: upload.recording_id,
      error: upload.error,
      late: recording && recording.late !== null ? recording.late === 1 : null,
      deadline: recording?.upload_deadline ?? null,
    };
  }

  /** Stops the upload's write in flight, waits for it to settle, and holds the upload until released. */
  private async takeOver(id: string, stop: () => void): Promise<() => void> {
    for (let w = this.writers.get(id); w; w = this.writers.get(id)) {
      w.stop();
      await w.done;
    }
    let release!: () => void;
    const mine: Writer = { stop, done: new Promise<void>((resolve) => (release = resolve)) };
    this.writers.set(id, mine);
    return () => {
      if (this.writers.get(id) === mine) this.writers.delete(id);
      release();
    };
  }
}

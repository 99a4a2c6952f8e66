/**
 * Seals finished uploads: an offline recording is checked (upload-checks.ts), remuxed into
 * segments and sealed exactly like a live one, with its lateness against the 24 h deadline
 * (upload-timing.ts). Evidence is never refused for being late, nor for damage inside its media
 * (sealed as received and flagged `decode_errors`) — only for not being a recording liuhen can
 * segment whole, and then nothing of it reaches the ledger or the store, and its bytes are removed.
 *
 * Crash safety: an upload still `processing` at start-up is processed again. Segment sources
 * (`upload:<id>/<file>`) make re-sealing skip what was sealed, and a recording already opened for
 * the upload is found again and continued.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.ts';
import type { Repositories } from '../db/repositories.ts';
import { DeviceRepository } from '../db/device-repository.ts';
import type { Recording, RecordingFlag, Upload } from '../db/schema.ts';
import type { UploadRepository } from '../db/upload-repository.ts';
import { recordingFlagsFor } from '../devices/device-health.ts';
import type { Sealer } from '../ledger/sealer.ts';
import { partPath } from './part-file.ts';
import { checkAndStage, type CheckOutcome, type StagedRecording } from './upload-checks.ts';
import { storedMetadata, type UploadMetadata } from './upload-metadata.ts';
import { uploadTiming } from './upload-timing.ts';
import { type Clock, systemClock } from '../clock.ts';

export interface OfflineIngestSettings {
  /** config.uploads.dir: part files, and a staging folder per upload being sealed */
  dir: string;
  ffmpegPath: string;
  segmentSeconds: number;
  clockDriftMs: number;
}

/** A failure of liuhen's own (store or database away), not of the file: try again later. */
const RETRY_MS = 60_000;

export class OfflineIngest {
  private tail: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly uploads: UploadRepository;

  constructor(
    repos: Repositories,
    private readonly sealer: Sealer,
    private readonly audit: AuditLog,
    private readonly settings: OfflineIngestSettings,
    private readonly log: Logger,
    private readonly clock: Clock = systemClock,
  ) {
    this.uploads = repos.uploads;
  }

  /** One upload at a time: remuxing and sealing are disk-bound, and live recordings share the disk. */
  enqueue(uploadId: string): void {
    // After a stop the upload stays `processing` and is finished at the next start.
    if (this.stopped) return;
    this.tail = this.tail.then(() => this.process(uploadId)).catch((e) => this.retryLater(uploadId, e));
  }

  private retryLater(uploadId: string, err: unknown): void {
    this.log.error({ err, upload: uploadId }, `sealing an upload failed; retrying in ${RETRY_MS / 1000} s`);
    setTimeout(() => this.enqueue(uploadId), RETRY_MS).unref();
  }

  /** Lets the upload being sealed finish; queued ones wait for the next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.tail;
  }

  /** Finishes every upload a stop or crash left `processing` (live recovery leaves their recordings alone). */
  async recoverUploads(): Promise<void> {
    await fs.mkdir(this.settings.dir, { recursive: true, mode: 0o750 });
    for (const id of await this.uploads.processing()) {
      this.log.info({ upload: id }, 'sealing an upload left unfinished');
      await this.process(id).catch((e) => this.retryLater(id, e));
    }
  }

  private async process(uploadId: string): Promise<void> {
    const upload = await this.uploads.find(uploadId);
    if (upload?.state !== 'processing') return;
    const metadata = storedMetadata(upload.metadata);
    const staging = this.stagingDir(upload);
    const outcome = await checkAndStage(partPath(this.settings.dir, upload.id), staging, metadata.sha256, this.settings);
    let recording = await this.uploads.recordingOpenedFor(upload, metadata.startedAt);
    if (!outcome.ok) {
      if (recording) throw new Error(`upload ${upload.id} fails its checks now (${outcome.reason}) but recording ${recording.id} was opened from it`);
      return this.refuse(upload, outcome);
    }
    recording ??= await this.open(upload, metadata, outcome);
    if (recording.state !== 'closed') {
      await this.sealSegments(upload, recording, outcome);
      recording = await this.sealer.close(recording.id);
    }
    // Closed by someone else half-way (live recovery, when this upload's own recovery failed): never report it sealed.
    if (recording.segment_count !== outcome.segments.length) {
      throw new Error(`recording ${recording.id} was closed with ${recording.segment_count} of upload ${upload.id}'s ${outcome.segments.length} segments`);
    }
    await this.audit.record({
      actor: `device:${upload.device_id}`,
      action: 'upload.sealed',
      subject: upload.id,
      outcome: 'ok',
      detail: {
        recording: recording.id,
        segments: recording.segment_count,
        sha256: outcome.sha256,
        late: recording.late === 1,
        deadline: recording.upload_deadline,
        decodeErrors: outcome.decodeErrors,
      },
    });
    await this.uploads.sealed(upload.id, recording.id, this.clock.now().toISOString());
    // The sealed segments are the evidence now; the received file and its staging copy are not kept twice.
    await fs.rm(staging, { recursive: true, force: true });
    await fs.rm(partPath(this.settings.dir, upload.id), { force: true });
    const logged = { upload: upload.id, recording: recording.id, segments: recording.segment_count, late: recording.late === 1, decodeErrors: outcome.decodeErrors };
    if (outcome.decodeErrors > 0) this.log.warn(logged, 'upload sealed with decode errors');
    else this.log.info(logged, 'upload sealed');
  }

  private stagingDir(upload: Upload): string {
    return path.join(this.settings.dir, `${upload.id}.segments`);
  }

  private async open(upload: Upload, metadata: UploadMetadata, staged: StagedRecording): Promise<Recording> {
    const device = await this.uploads.beside(DeviceRepository).get(upload.device_id);
    const first = staged.segments[0]!;
    const last = staged.segments[staged.segments.length - 1]!;
    const receivedAt = upload.updated_at;
    const timing = uploadTiming({
      deviceStartedAt: new Date(metadata.startedAt),
      durationMs: Math.round((last.endSeconds - first.startSeconds) * 1000),
      clockDriftMs: device.clock_drift_ms,
      returnedAt: metadata.returnedAt ? new Date(metadata.returnedAt) : undefined,
      receivedAt: new Date(receivedAt),
    });
    const flags: RecordingFlag[] = [
      ...recordingFlagsFor(device, this.settings.clockDriftMs),
      ...(timing.late ? (['late_upload'] as const) : []),
      ...(staged.decodeErrors > 0 ? [{ kind: 'decode_errors', count: staged.decodeErrors } as const] : []),
      ...(staged.audioOnly ? (['audio_only'] as const) : []),
      ...(staged.photo ? (['photo'] as const) : []),
    ];
    return this.sealer.openRecording(device, timing.startedAt, {
      origin: 'upload',
      device_started_at: metadata.startedAt,
      received_at: receivedAt,
      upload_deadline: timing.deadline.toISOString(),
      late: timing.late ? 1 : 0,
      late_reason: metadata.lateReason ?? null,
      returned_at: metadata.returnedAt ?? null,
      flags: JSON.stringify(flags),
    });
  }

  private async sealSegments(upload: Upload, recording: Recording, staged: StagedRecording): Promise<void> {
    const startedAt = Date.parse(recording.started_at);
    const first = staged.segments[0]!.startSeconds;
    for (const seg of staged.segments) {
      const source = `upload:${upload.id}/${seg.file}`;
      if (await this.sealer.isSealed(source)) continue;
      await this.sealer.sealSegment(recording.id, {
        bytes: await fs.readFile(path.join(staged.dir, seg.file)),
        source,
        startAt: new Date(startedAt + Math.round((seg.startSeconds - first) * 1000)),
        durationMs: Math.round((seg.endSeconds - seg.startSeconds) * 1000),
        ...(staged.photo ? { format: staged.photo } : {}),
      });
    }
  }

  /**
   * A damaged recording that can still be segmented is sealed, not refused. What is refused here
   * is not sealed, and its bytes are removed at once so that refusals cannot fill the disk: the
   * audit keeps its sha256 and why, and the device still holds the file.
   */
  private async refuse(upload: Upload, outcome: Extract<CheckOutcome, { ok: false }>): Promise<void> {
    await this.audit.record({
      actor: `device:${upload.device_id}`,
      action: 'upload.refused',
      subject: upload.id,
      outcome: 'refused',
      detail: { reason: outcome.reason, detail: outcome.detail, sha256: outcome.sha256 },
    });
    // The bytes go before the state says so: whoever reads "refused" finds nothing kept.
    await fs.rm(this.stagingDir(upload), { recursive: true, force: true });
    await fs.rm(partPath(this.settings.dir, upload.id), { force: true });
    await this.uploads.refused(upload.id, outcome.reason, this.clock.now().toISOString());
    this.log.warn({ upload: upload.id, reason: outcome.reason, detail: outcome.detail }, 'upload refused');
  }
}

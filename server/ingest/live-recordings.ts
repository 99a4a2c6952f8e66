/**
 * Turns publishes into recordings. One recording per device session; a device that publishes
 * again within the grace window continues its recording, and the interruption becomes a gap entry
 * in the chain (001 §12: no interruption except for technical reasons — and then it shows).
 * Each recording's entries are sealed strictly in order on one promise chain.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Db } from '../db/database.ts';
import type { Device, GapCause, LedgerEntry, Recording } from '../db/schema.ts';
import { recordingFlagsFor } from '../devices/device-health.ts';
import { NotRecording } from '../errors.ts';
import type { Sealer } from '../ledger/sealer.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { PublishStart } from './rtmp-ingest.ts';
import { SpoolPart } from './spool-part.ts';
import { waitForOrphan } from './orphans.ts';

export interface LiveRecordingsSettings {
  spoolDir: string;
  ffmpegPath: string;
  segmentSeconds: number;
  graceSeconds: number;
  checkpointSeconds: number;
  /** a recording longer than this ends at a segment boundary and a new one continues its chain */
  rolloverSeconds: number;
  /** a recording opened while its device's clock is off by more than this is flagged */
  clockDriftMs: number;
}

interface Live {
  /** the recording receiving segments now; a roll-over moves it on */
  recordingId: string;
  recordingStartedAt: number;
  device: Device;
  deviceId: string;
  /** the recording's work in order: gaps, each part's drain, the close */
  tail: Promise<void>;
  /** single ledger writes, one at a time, so a notice can slot in between two segments */
  writes: Promise<unknown>;
  nextPartNo: number;
  sessionId?: string;
  closeTimer?: NodeJS.Timeout;
  checkpointing: boolean;
}

export class LiveRecordings {
  private readonly byDevice = new Map<string, Live>();
  /** publish/unpublish of one device are handled one after the other */
  private readonly deviceOps = new Map<string, Promise<void>>();
  private checkpointTimer?: NodeJS.Timeout;

  constructor(
    private readonly db: Db,
    private readonly sealer: Sealer,
    private readonly settings: LiveRecordingsSettings,
    private readonly log: Logger,
    private readonly metrics: Metrics,
  ) {}

  start(): void {
    this.checkpointTimer = setInterval(() => this.checkpointAll(), this.settings.checkpointSeconds * 1000);
    this.checkpointTimer.unref();
  }

  /** Stops taking work and waits for what is in flight; open recordings stay open for the next start. */
  async stop(): Promise<void> {
    clearInterval(this.checkpointTimer);
    await Promise.allSettled([...this.deviceOps.values()]);
    for (const live of this.byDevice.values()) clearTimeout(live.closeTimer);
    await Promise.allSettled([...this.byDevice.values()].map((l) => l.tail));
  }

  hasOpenRecording(deviceId: string): boolean {
    return this.byDevice.has(deviceId);
  }

  publishStarted(p: PublishStart): void {
    this.onDevice(p.device.id, () => this.begin(p));
  }

  publishEnded(deviceId: string, sessionId: string, cause: GapCause = 'device_disconnect'): void {
    this.onDevice(deviceId, () => this.interrupt(deviceId, sessionId, cause));
  }

  /**
   * The 告知 marker: sealed into the device's open recording, in order with its segments. A
   * device with no open recording has nothing to mark: the caller is told, not ignored.
   */
  async notice(deviceId: string, at: Date, by: string): Promise<LedgerEntry> {
    const live = this.byDevice.get(deviceId);
    if (!live) throw new NotRecording(deviceId);
    return this.exclusive(live, () => this.sealer.appendNotice(live.recordingId, at, by));
  }

  private onDevice(deviceId: string, op: () => Promise<void>): void {
    const next = (this.deviceOps.get(deviceId) ?? Promise.resolve()).then(op).catch((e) => this.log.error({ err: e, deviceId }, 'recording operation failed'));
    this.deviceOps.set(deviceId, next);
  }

  private async begin(p: PublishStart): Promise<void> {
    const wallStart = new Date();
    let live = this.byDevice.get(p.device.id);
    let gap: { cause: GapCause; from: Date } | undefined;
    if (live) {
      clearTimeout(live.closeTimer);
      const r = await this.sealer.getRecording(live.recordingId);
      gap = { cause: r.pending_gap_cause ?? 'device_disconnect', from: await this.lastEnd(r) };
    } else {
      const r = await this.sealer.openRecording(p.device, wallStart, { flags: JSON.stringify(recordingFlagsFor(p.device, this.settings.clockDriftMs)) });
      live = this.track(r, p.device, 1);
      this.log.info({ recording: r.id, device: p.device.id }, 'recording started');
    }
    live.sessionId = p.sessionId;
    const part = new SpoolPart(live.recordingId, live.nextPartNo++, path.join(this.settings.spoolDir, live.recordingId, String(live.nextPartNo - 1)), wallStart);
    await this.db
      .insertInto('spool_parts')
      .values({ recording_id: part.recordingId, part_no: part.partNo, dir: part.dir, wall_start: wallStart.toISOString(), ffmpeg_pid: null, state: 'open', sealing_into: null })
      .execute();
    const pid = await part.start(p.flv, this.settings.ffmpegPath, this.settings.segmentSeconds);
    await this.db.updateTable('spool_parts').set({ ffmpeg_pid: pid }).where('recording_id', '=', part.recordingId).where('part_no', '=', part.partNo).execute();
    await this.db.updateTable('recordings').set({ state: 'live', interrupted_at: null }).where('id', '=', live.recordingId).execute();
    const recordingId = live.recordingId;
    live.tail = live.tail.then(async () => {
      if (gap) await this.exclusive(live, () => this.sealer.appendGap(recordingId, gap.cause, gap.from, wallStart));
      await this.drain(part, live);
    });
  }

  private async interrupt(deviceId: string, sessionId: string | undefined, cause: GapCause): Promise<void> {
    const live = this.byDevice.get(deviceId);
    if (!live || (sessionId && live.sessionId !== sessionId)) return;
    live.sessionId = undefined;
    const now = new Date();
    await this.db.updateTable('recordings').set({ state: 'interrupted', interrupted_at: now.toISOString(), pending_gap_cause: cause }).where('id', '=', live.recordingId).execute();
    this.scheduleClose(live, now.getTime() + this.settings.graceSeconds * 1000);
  }

  private scheduleClose(live: Live, at: number): void {
    live.closeTimer = setTimeout(() => this.onDevice(live.deviceId, async () => this.close(live)), Math.max(0, at - Date.now()));
  }

  private async close(live: Live): Promise<void> {
    if (this.byDevice.get(live.deviceId) !== live || live.sessionId) return;
    this.byDevice.delete(live.deviceId);
    live.tail = live.tail.then(async () => {
      const r = await this.exclusive(live, () => this.sealer.close(live.recordingId));
      // rmdir, not rm: a folder still holding unsealed media stays for a person to look at.
      await fs.rmdir(path.join(this.settings.spoolDir, live.recordingId)).catch(() => undefined);
      this.log.info({ recording: r.id, segments: r.segment_count, gaps: r.gap_count }, 'recording closed');
    });
    await live.tail;
  }

  private exclusive<T>(live: Live, write: () => Promise<T>): Promise<T> {
    const result = live.writes.then(write);
    live.writes = result.catch(() => undefined);
    return result;
  }

  private track(r: Recording, device: Device, nextPartNo: number): Live {
    const live: Live = { recordingId: r.id, recordingStartedAt: Date.parse(r.started_at), device, deviceId: device.id, tail: Promise.resolve(), writes: Promise.resolve(), nextPartNo, checkpointing: false };
    this.byDevice.set(device.id, live);
    return live;
  }

  /**
   * Seals a part's segments as ffmpeg finishes them, then retires its spool folder. With `live`,
   * segments go to the device's current recording and may roll it over; without (recovery), to
   * the recording the part was last sealing into.
   */
  private async drain(part: SpoolPart, live?: Live): Promise<void> {
    let first: number | undefined;
    for await (const seg of part.segments()) {
      first ??= seg.startSeconds;
      const source = `${part.recordingId}/${part.partNo}/${seg.file}`;
      if (await this.sealer.isSealed(source)) continue;
      const bytes = await fs.readFile(seg.path);
      const startAt = new Date(part.wallStart.getTime() + Math.round((seg.startSeconds - first) * 1000));
      const durationMs = Math.round((seg.endSeconds - seg.startSeconds) * 1000);
      const seal = async () => {
        if (live && startAt.getTime() - live.recordingStartedAt >= this.settings.rolloverSeconds * 1000) await this.rollOver(live, part, startAt);
        await this.sealer.sealSegment(live?.recordingId ?? part.sealingInto, { bytes, source, startAt, durationMs });
      };
      await (live ? this.exclusive(live, seal) : seal());
      this.metrics.sealLatency.observe((Date.now() - seg.seenAt) / 1000);
      this.metrics.sealLag.observe((Date.now() - startAt.getTime() - durationMs) / 1000);
      this.metrics.segmentsSealed.inc();
      this.metrics.segmentBytes.inc(bytes.length);
      await fs.rm(seg.path, { force: true });
    }
    await part.finished;
    if (part.failure) this.log.warn({ err: part.failure, recording: part.recordingId, part: part.partNo }, 'segmenter ended with an error');
    await this.db.updateTable('spool_parts').set({ state: 'done' }).where('recording_id', '=', part.recordingId).where('part_no', '=', part.partNo).execute();
    await this.retireSpool(part.dir);
    // The recording's folder goes once its last part has (a part that outlived a roll-over was the last).
    await fs.rmdir(path.dirname(part.dir)).catch(() => undefined);
  }

  /**
   * Ends the current recording at this segment boundary and continues in a new one whose header
   * carries the old one's last link: the day verifies as one chain, with no gap at the seam.
   * The new recording exists before the old one closes, so a live viewer never sees an end.
   */
  private async rollOver(live: Live, part: SpoolPart, at: Date): Promise<void> {
    const previous = await this.sealer.getRecording(live.recordingId);
    const next = await this.sealer.openRecording(live.device, at, { flags: JSON.stringify(recordingFlagsFor(live.device, this.settings.clockDriftMs)) }, previous);
    await this.db
      .updateTable('spool_parts')
      .set({ sealing_into: next.id })
      .where('recording_id', '=', part.recordingId)
      .where('part_no', '=', part.partNo)
      .execute();
    live.recordingId = next.id;
    live.recordingStartedAt = at.getTime();
    part.sealingInto = next.id;
    await this.sealer.close(previous.id);
    this.log.info({ closed: previous.id, recording: next.id, device: live.deviceId }, 'recording rolled over');
  }

  /** Keeps a spool folder that still holds media nobody sealed (a segment cut short), for a person to look at. */
  private async retireSpool(dir: string): Promise<void> {
    const left = (await fs.readdir(dir).catch(() => [])).filter((f) => f.endsWith('.ts'));
    const sizes = await Promise.all(left.map((f) => fs.stat(path.join(dir, f)).then((s) => s.size)));
    if (sizes.some((s) => s > 0)) {
      this.log.warn({ dir, files: left }, 'spool keeps unfinished segment files');
      return;
    }
    await fs.rm(dir, { recursive: true, force: true });
  }

  private async lastEnd(r: Recording): Promise<Date> {
    const last = await this.db.selectFrom('ledger_entries').select(['start_at', 'duration_ms']).where('recording_id', '=', r.id).orderBy('idx', 'desc').limit(1).executeTakeFirst();
    return last ? new Date(new Date(last.start_at).getTime() + last.duration_ms) : new Date(r.started_at);
  }

  private checkpointAll(): void {
    for (const live of this.byDevice.values()) {
      if (live.checkpointing) continue;
      live.checkpointing = true;
      this.sealer
        .checkpoint(live.recordingId)
        .catch((e) => this.log.error({ err: e, recording: live.recordingId }, 'checkpoint failed'))
        .finally(() => (live.checkpointing = false));
    }
  }

  /**
   * After a crash or stop: seal what the segmenters finished (into the recording each part was
   * last sealing into, across roll-overs), then treat each open recording as interrupted by the
   * restart. A device back inside the window continues it; otherwise it closes.
   */
  async recover(devices: Map<string, Device>): Promise<void> {
    const parts = await this.db.selectFrom('spool_parts').selectAll().where('state', '=', 'open').orderBy('wall_start').execute();
    for (const row of parts) {
      if (row.ffmpeg_pid) await waitForOrphan(row.ffmpeg_pid, row.dir);
      const part = new SpoolPart(row.recording_id, row.part_no, row.dir, new Date(row.wall_start), row.sealing_into ?? row.recording_id);
      part.markExited();
      await this.drain(part);
    }
    // Uploads are sealed by the offline ingest, which recovers its own.
    const open = await this.db.selectFrom('recordings').selectAll().where('state', '!=', 'closed').where('origin', '=', 'live').orderBy('started_at').execute();
    for (const r of open) {
      const interruptedAt = r.interrupted_at ? new Date(r.interrupted_at) : await this.lastEnd(r);
      const cause: GapCause = r.pending_gap_cause ?? 'server_restart';
      await this.db
        .updateTable('recordings')
        .set({ state: 'interrupted', interrupted_at: interruptedAt.toISOString(), pending_gap_cause: cause })
        .where('id', '=', r.id)
        .execute();
      const previous = this.byDevice.get(r.device_id);
      if (previous) await this.close(previous);
      const last = await this.db.selectFrom('spool_parts').select((eb) => eb.fn.max('part_no').as('n')).where('recording_id', '=', r.id).executeTakeFirst();
      const device = devices.get(r.device_id);
      const live = this.track(r, device ?? ({ id: r.device_id } as Device), Number(last?.n ?? 0) + 1);
      const deadline = interruptedAt.getTime() + this.settings.graceSeconds * 1000;
      if (deadline <= Date.now() || device?.state !== 'active') await this.close(live);
      else this.scheduleClose(live, deadline);
      this.log.info({ recording: r.id, cause, closesAt: new Date(deadline).toISOString() }, 'recovered open recording');
    }
  }
}

/**
 * Turns publishes into recordings. One recording per device session; a device that publishes
 * again within the grace window continues its recording, and the interruption becomes a gap entry
 * in the chain (001 §12: no interruption except for technical reasons — and then it shows).
 * Each recording's entries are sealed strictly in order on one promise chain.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Repositories } from '../db/repositories.ts';
import type { RecordingRepository } from '../db/recording-repository.ts';
import type { NodeRepository } from '../db/node-repository.ts';
import type { Device, GapCause, LedgerEntry, Recording } from '../db/schema.ts';
import { recordingFlagsFor } from '../devices/device-health.ts';
import { NotRecording } from '../errors.ts';
import { type Sealer, TakenOver } from '../ledger/sealer.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { PublishStart } from './rtmp-ingest.ts';
import { freeBytes } from '../storage/disk-reserve.ts';
import { faultKind, persist, Stopping } from './persist.ts';
import { segmentDefect, SpoolPart } from './spool-part.ts';
import { waitForOrphan } from './orphans.ts';
import { deviceAsRecorded, filledGap, firstUnsealed, onThisSpool, recordingMovedOn } from './spool-recovery.ts';
import { type Clock, systemClock } from '../clock.ts';
import type { CutterChoice } from '../media/segmenter-args.ts';

export interface LiveRecordingsSettings {
  spoolDir: string;
  ffmpegPath: string;
  /** what cuts an FLV stream unless its device says (devices.cutter); an MPEG-TS one (a pulled camera) always goes to ffmpeg */
  cutter: CutterChoice;
  segmentSeconds: number;
  graceSeconds: number;
  checkpointSeconds: number;
  /** a graceful stop lets the recordings seal what is in flight this long before it abandons retries */
  stopDrainSeconds: number;
  /** a recording longer than this ends at a segment boundary and a new one continues its chain */
  rolloverSeconds: number;
  /** a recording opened while its device's clock is off by more than this is flagged */
  clockDriftMs: number;
  /** this node (its recordings and spool parts carry its id) and its machine */
  nodeId: string;
  host: string;
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
  /** segmenters started again since the last segment sealed */
  restarts: number;
}

/** How soon a segmenter that failed under a publisher still sending is started again. */
const RESTART_SEGMENTER_MS = 2000;
const LONGEST_RESTART_MS = 30_000;

export class LiveRecordings {
  private readonly byDevice = new Map<string, Live>();
  private stopping = false;
  /** parts whose segments are still being sealed, for the backlog metric */
  private readonly draining = new Set<SpoolPart>();
  /** publish/unpublish of one device are handled one after the other */
  private readonly deviceOps = new Map<string, Promise<void>>();
  private checkpointTimer?: NodeJS.Timeout;
  private readonly recordings: RecordingRepository;
  private readonly nodes: NodeRepository;

  constructor(
    repos: Repositories,
    private readonly sealer: Sealer,
    private readonly settings: LiveRecordingsSettings,
    private readonly log: Logger,
    private readonly metrics: Metrics,
    private readonly clock: Clock = systemClock,
  ) {
    this.recordings = repos.recordings;
    this.nodes = repos.nodes;
  }

  start(): void {
    this.checkpointTimer = setInterval(() => this.checkpointAll(), this.settings.checkpointSeconds * 1000);
    this.checkpointTimer.unref();
  }

  /** Stops taking work and waits for what is in flight; open recordings stay open for the next start. */
  async stop(): Promise<void> {
    clearInterval(this.checkpointTimer);
    for (const live of this.byDevice.values()) clearTimeout(live.closeTimer);
    const inFlight = () => Promise.allSettled([...this.deviceOps.values(), ...[...this.byDevice.values()].map((l) => l.tail)]);
    // A door that stays shut (store, database) must not hold the stop forever: what is not sealed
    // by then stays in the spool, and the next start seals it.
    // The bound's timer goes once the work is done: left running, it kept a stopped `liuhen up` alive until it fired.
    let bound: NodeJS.Timeout | undefined;
    await Promise.race([inFlight(), new Promise((r) => (bound = setTimeout(r, this.settings.stopDrainSeconds * 1000)))]);
    clearTimeout(bound);
    this.stopping = true;
    await inFlight();
  }

  hasOpenRecording(deviceId: string): boolean {
    return this.byDevice.has(deviceId);
  }

  /** Once what the device's publishes here started is done: its end noted, its last part sealed. */
  async settled(deviceId: string): Promise<void> {
    await this.deviceOps.get(deviceId);
    await this.byDevice.get(deviceId)?.tail;
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
    const next = (this.deviceOps.get(deviceId) ?? Promise.resolve()).then(op).catch((e) => this.failed(e, { deviceId }));
    this.deviceOps.set(deviceId, next);
  }

  /** Everything the recording path does ends here if it throws: logged, never an unhandled rejection. */
  private failed(e: unknown, context: Record<string, unknown>): void {
    if (e instanceof Stopping) this.log.info(context, 'left for the next start: the server stopped while a door was shut');
    else this.log.error({ err: e, ...context }, 'recording operation failed');
  }

  /** A device publishing is a device seen: its list shows when, as a health report would. */
  private async seen(deviceId: string, at: Date): Promise<void> {
    await this.persist('mark device seen', { device: deviceId }, () => this.recordings.recordDeviceStatus(deviceId, { last_seen_at: at.toISOString() }));
  }

  private persist<T>(what: string, context: Record<string, unknown>, op: () => Promise<T>): Promise<T> {
    return persist({ stopping: () => this.stopping, log: this.log, metrics: this.metrics }, what, context, op);
  }

  /**
   * A publish starts a part: a new recording, or the device's open one continued after a gap.
   * `restartedAfter`: the part before failed under a publisher that is still sending (the disk
   * filled, the segmenter died); the same publish continues in a new part, the pause a gap with
   * that cause.
   */
  private async begin(p: PublishStart, restartedAfter?: GapCause): Promise<void> {
    let live = this.byDevice.get(p.device.id);
    if (restartedAfter && live?.sessionId !== p.sessionId) return;
    // The part's clock starts with its stream: a fresh tap starts now, a publish's own stream at
    // the publish (it has been buffering since).
    const media = restartedAfter && p.retap ? p.retap() : p.media;
    const wallStart = this.clock.now();
    const ctx = { device: p.device.id };
    let gapCause: GapCause | undefined;
    if (live && !restartedAfter) {
      const recordingId = live.recordingId;
      const r = await this.persist('read recording', ctx, () => this.sealer.getRecording(recordingId));
      if (r.node_id !== null && r.node_id !== this.settings.nodeId) {
        // Another node continued it while this one waited out its grace window (the camera was
        // handed over, then came back when that node died): it goes on from that node's chain.
        clearTimeout(live.closeTimer);
        this.byDevice.delete(p.device.id);
        live = undefined;
      } else gapCause = r.pending_gap_cause ?? 'device_disconnect';
    }
    const orphaned = !live && p.takenOver ? await this.takeOver(p.device.id, p.takenOver.node, wallStart) : undefined;
    if (live) {
      clearTimeout(live.closeTimer);
      // A restarted segmenter knows its cause; a device back inside its window left one pending (read above).
      gapCause = restartedAfter ?? gapCause;
    } else if (orphaned) {
      // The node recording the device died (or handed it over): its recording goes on here from the
      // chain head in the database, the pause sealed as one gap with the takeover. What a dead node
      // had spooled is sealed when it returns (recover).
      live = this.track(orphaned, p.device, (await this.persist('read spool parts', ctx, () => this.recordings.lastSpoolPartNo(orphaned.id))) + 1);
      this.log.info({ recording: orphaned.id, device: p.device.id, from: p.takenOver!.node }, 'recording taken over from another node');
    } else {
      const facts = { flags: JSON.stringify(recordingFlagsFor(p.device, this.settings.clockDriftMs)), node_id: this.settings.nodeId };
      const r = await this.persist('open recording', ctx, () => this.sealer.openRecording(p.device, wallStart, facts));
      live = this.track(r, p.device, 1);
      this.log.info({ recording: r.id, device: p.device.id }, 'recording started');
    }
    live.sessionId = p.sessionId;
    await this.seen(p.device.id, wallStart);
    const part = new SpoolPart(live.recordingId, live.nextPartNo++, path.join(this.settings.spoolDir, live.recordingId, String(live.nextPartNo - 1)), wallStart);
    const where = { recording: part.recordingId, part: part.partNo };
    await this.persist('record spool part', where, () =>
      this.recordings.addSpoolPart({
        recording_id: part.recordingId,
        part_no: part.partNo,
        dir: part.dir,
        wall_start: wallStart.toISOString(),
        ffmpeg_pid: null,
        state: 'open',
        sealing_into: null,
        host: this.settings.host,
        node_id: this.settings.nodeId,
      }),
    );
    const pid = await part.start(media, p.format, { ...this.settings, cutter: p.device.cutter ?? this.settings.cutter });
    await this.persist('record segmenter', where, async () => {
      await this.recordings.updateSpoolPart(part.recordingId, part.partNo, { ffmpeg_pid: pid });
      await this.recordings.markLive(part.recordingId);
    });
    const current = live;
    current.tail = current.tail
      .then(async () => {
        if (gapCause) {
          const cause = gapCause;
          // From the end of what is sealed: every part before this one has drained by now.
          const from = await this.persist('read chain end', where, () => this.sealer.getRecording(current.recordingId).then((r) => this.lastEnd(r)));
          await this.exclusive(current, () => this.persist('seal gap', where, () => this.sealer.appendGap(current.recordingId, cause, from, wallStart)));
        }
        await this.drain(part, current);
        if (part.failure) this.restartIfStillPublishing(p, part);
      })
      .catch((e) => this.failed(e, where));
  }

  /**
   * Moves to this node the device's open recording, the lease of which this node took from node
   * `leaseFrom`; the pause until `at` is sealed with the move. The recording may not be that
   * node's: one that died, or handed the device on, before its first publish of it never took it
   * over, and it is then still where that node found it (the node that handed it over, the one
   * that died recording it). This node, holding the lease now, continues it from there. The cause:
   * a hand-over when the node that recorded it said so as it let the device go, else a failure.
   */
  private async takeOver(deviceId: string, leaseFrom: string, at: Date): Promise<Recording | undefined> {
    const ctx = { device: deviceId };
    const r = await this.persist('look up open recording', ctx, () => this.recordings.openLiveChainOf(deviceId));
    if (!r || r.node_id === this.settings.nodeId) return undefined;
    const cause: GapCause = r.node_id === leaseFrom && r.pending_gap_cause === 'node_handover' ? 'node_handover' : 'node_failover';
    return (await this.persist('take the recording over', ctx, () => this.sealer.takeOver(r.id, r.node_id, this.settings.nodeId, cause, at))) ? r : undefined;
  }

  /**
   * The segmenter of a part ended with an error while its publisher is still connected: the
   * camera is still sending, so the recording must go on. A new segmenter takes the stream again
   * (node-media-server hands a new tap the headers and the current GOP) after a pause; the time
   * between is a gap whose cause says what failed.
   */
  private restartIfStillPublishing(p: PublishStart, part: SpoolPart): void {
    const live = this.byDevice.get(p.device.id);
    if (this.stopping || !p.retap || live?.sessionId !== p.sessionId) return;
    const cause: GapCause = faultKind(part.failure) === 'disk_full' ? 'disk_full' : 'segmenter_failed';
    this.log.error({ recording: live.recordingId, device: p.device.id, cause, err: part.failure }, 'segmenter failed under a live publisher; starting a new one');
    // Each failure in a row waits twice as long (a full disk stays full for a while): fewer, longer gaps.
    const wait = Math.min(LONGEST_RESTART_MS, RESTART_SEGMENTER_MS * 2 ** live.restarts++);
    const timer = setTimeout(() => this.onDevice(p.device.id, () => this.begin(p, cause)), wait);
    timer.unref();
  }

  private async interrupt(deviceId: string, sessionId: string | undefined, cause: GapCause): Promise<void> {
    const live = this.byDevice.get(deviceId);
    if (!live || (sessionId && live.sessionId !== sessionId)) return;
    live.sessionId = undefined;
    const now = this.clock.now();
    this.scheduleClose(live, now.getTime() + this.settings.graceSeconds * 1000);
    await this.seen(deviceId, now);
    const recordingId = live.recordingId;
    await this.persist('mark interrupted', { recording: recordingId }, () => this.recordings.markInterrupted(recordingId, now.toISOString(), cause, this.settings.nodeId));
  }

  private scheduleClose(live: Live, at: number): void {
    live.closeTimer = setTimeout(() => this.onDevice(live.deviceId, async () => this.close(live)), Math.max(0, at - this.clock.now().getTime()));
  }

  private async close(live: Live): Promise<void> {
    if (this.byDevice.get(live.deviceId) !== live || live.sessionId) return;
    this.byDevice.delete(live.deviceId);
    live.tail = live.tail.then(async () => {
      const where = { recording: live.recordingId };
      const current = await this.persist('read recording', where, () => this.sealer.getRecording(live.recordingId));
      if (current.node_id !== null && current.node_id !== this.settings.nodeId) {
        this.log.warn({ ...where, node: current.node_id }, 'recording taken over by another node: left open for it');
        return;
      }
      const r = await this.exclusive(live, () => this.persist('close recording', where, () => this.sealer.close(live.recordingId)));
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
    const live: Live = {
      recordingId: r.id,
      recordingStartedAt: Date.parse(r.started_at),
      device,
      deviceId: device.id,
      tail: Promise.resolve(),
      writes: Promise.resolve(),
      nextPartNo,
      checkpointing: false,
      restarts: 0,
    };
    this.byDevice.set(device.id, live);
    return live;
  }

  /**
   * Seals a part's segments as ffmpeg finishes them, then retires its spool folder. With `live`,
   * segments go to the device's current recording and may roll it over; without (recovery), to
   * the recording the part was last sealing into.
   */
  private async drain(part: SpoolPart, live?: Live, diedOf?: GapCause): Promise<void> {
    this.draining.add(part);
    try {
      await this.drainPart(part, live, diedOf);
    } finally {
      this.draining.delete(part);
    }
  }

  /** `diedOf`: a part whose segmenter died with its node, and what its last file was cut short by. */
  private async drainPart(part: SpoolPart, live?: Live, diedOf: GapCause = 'server_restart'): Promise<void> {
    let first: number | undefined;
    for await (const seg of part.segments()) {
      first ??= seg.startSeconds;
      const source = part.source(seg);
      const where = { recording: part.recordingId, part: part.partNo, segment: seg.file };
      // Each step waits out a shut door (store, database, disk) and then goes on, in order.
      if (await this.persist('look up segment', where, () => this.sealer.isSealed(source))) {
        // Sealed before a crash that came ahead of its removal: the store has it, the spool need not.
        await this.removeSealed(seg.path, where);
        continue;
      }
      const bytes = seg.cutShort?.kept ?? (await this.persist('read spool segment', where, () => fs.readFile(seg.path)));
      const startAt = part.startAt(seg, first);
      const durationMs = Math.round((seg.endSeconds - seg.startSeconds) * 1000);
      const target = () => live?.recordingId ?? part.sealingInto;
      if (seg.cutShort && bytes.length === 0) {
        // Not one whole frame to seal: the time its frames began is a gap with what cut it short,
        // and the file stays in the spool for a person.
        this.log.error({ ...where, cause: diedOf }, 'spool segment cut short holds no whole frame: sealed as a gap, file kept');
        await this.persist('seal gap', where, () => this.sealer.appendGap(target(), diedOf, startAt, new Date(startAt.getTime() + durationMs)));
        continue;
      }
      if (seg.cutShort) this.log.warn({ ...where, cause: diedOf, durationMs, bytes: bytes.length }, "spool segment cut short by its segmenter's death: sealed up to its last whole frame");
      const defect = segmentDefect(bytes);
      if (defect) {
        // Never sealed as evidence: a file the segmenter could not finish (the disk filled under
        // it). Its time becomes a gap with the cause; the file stays in the spool for a person.
        this.log.error({ ...where, defect, bytes: bytes.length }, 'spool segment is incomplete: sealed as a gap, file kept');
        const cause: GapCause = faultKind(part.failure) === 'disk_full' || (await this.diskWasFull(part.dir)) ? 'disk_full' : 'segmenter_failed';
        const gap = () => this.persist('seal gap', where, () => this.sealer.appendGap(target(), cause, startAt, new Date(startAt.getTime() + durationMs)));
        await (live ? this.exclusive(live, gap) : gap());
        continue;
      }
      const seal = async () => {
        if (live && startAt.getTime() - live.recordingStartedAt >= this.settings.rolloverSeconds * 1000) await this.rollOver(live, part, startAt);
        const segment = { bytes, source, startAt, durationMs, cutShortBy: seg.cutShort && diedOf };
        try {
          await this.persist('seal segment', where, () => this.sealer.sealSegment(target(), segment, live ? this.settings.nodeId : undefined));
        } catch (e) {
          if (!(live && e instanceof TakenOver)) throw e;
          await this.divert(live, part, startAt);
          await this.persist('seal segment', where, () => this.sealer.sealSegment(target(), segment));
        }
      };
      await (live ? this.exclusive(live, seal) : seal());
      if (live) live.restarts = 0;
      this.metrics.sealLatency.observe((performance.now() - seg.seenAt) / 1000);
      this.metrics.sealLag.observe((this.clock.now().getTime() - startAt.getTime() - durationMs) / 1000);
      this.metrics.segmentsSealed.inc();
      this.metrics.segmentBytes.inc(bytes.length);
      await this.removeSealed(seg.path, where);
    }
    await part.finished;
    if (part.failure) this.log.warn({ err: part.failure, recording: part.recordingId, part: part.partNo }, 'segmenter ended with an error');
    await this.persist('retire spool part', { recording: part.recordingId, part: part.partNo }, () => this.recordings.updateSpoolPart(part.recordingId, part.partNo, { state: 'done' }));
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
    const where = { recording: live.recordingId, part: part.partNo };
    const previousId = live.recordingId;
    const previous = await this.persist('read recording', where, () => this.sealer.getRecording(previousId));
    const facts = { flags: JSON.stringify(recordingFlagsFor(live.device, this.settings.clockDriftMs)), node_id: this.settings.nodeId };
    const next = await this.persist('open recording', where, () => this.sealer.openRecording(live.device, at, facts, previous));
    await this.persist('record roll-over', where, () => this.recordings.updateSpoolPart(part.recordingId, part.partNo, { sealing_into: next.id }));
    live.recordingId = next.id;
    live.recordingStartedAt = at.getTime();
    part.sealingInto = next.id;
    await this.persist('close recording', where, () => this.sealer.close(previous.id));
    this.log.info({ closed: previous.id, recording: next.id, device: live.deviceId }, 'recording rolled over');
  }

  private async removeSealed(file: string, where: Record<string, unknown>): Promise<void> {
    await fs.rm(file, { force: true }).catch((e) => this.log.warn({ ...where, err: e }, 'sealed spool segment not removed'));
  }

  /** Keeps a spool folder that still holds media nobody sealed (a segment cut short), for a person to look at. */
  private async retireSpool(dir: string): Promise<void> {
    const left = (await fs.readdir(dir).catch(() => [])).filter((f) => f.endsWith('.ts'));
    // A size that cannot be read counts as media: the folder is kept rather than lost.
    const sizes = await Promise.all(
      left.map((f) =>
        fs.stat(path.join(dir, f)).then(
          (s) => s.size,
          () => 1,
        ),
      ),
    );
    if (sizes.some((s) => s > 0)) {
      this.log.warn({ dir, files: left }, 'spool keeps unfinished segment files');
      return;
    }
    await fs.rm(dir, { recursive: true, force: true }).catch((e) => this.log.warn({ dir, err: e }, 'spool folder not removed'));
  }

  /** Whether the spool's volume is full now: the likeliest reason a segment came out cut short. */
  private async diskWasFull(dir: string): Promise<boolean> {
    const free = await freeBytes(dir).catch(() => undefined);
    return free !== undefined && free < 1 << 20;
  }

  private async lastEnd(r: Recording): Promise<Date> {
    const last = await this.recordings.lastEntry(r.id);
    return last ? new Date(new Date(last.start_at).getTime() + last.duration_ms) : new Date(r.started_at);
  }

  /**
   * Segments finished in the spool and not sealed yet: every segment file but the one each running
   * segmenter is writing. It grows while the store or the database is away.
   */
  private async countBacklog(): Promise<void> {
    const counts = await Promise.all(
      [...this.draining].map(async (part) => {
        const files = (await fs.readdir(part.dir).catch(() => [] as string[])).filter((f) => f.endsWith('.ts')).length;
        return Math.max(0, files - (part.running ? 1 : 0));
      }),
    );
    this.metrics.sealBacklog.set(counts.reduce((a, b) => a + b, 0));
  }

  private checkpointAll(): void {
    void this.countBacklog();
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
   * After a crash or stop: seal what this node's segmenters finished (into the recording each part
   * was last sealing into, across roll-overs), then treat each open recording as interrupted by
   * the restart. A device back inside the window continues it; otherwise it closes.
   *
   * In a cluster only this machine's spool is read here, and `othersLive` (the other live nodes)
   * keep their open recordings. A recording another node continued after this one died has moved
   * on: what this node had spooled for it is sealed into a recovery recording (spool-recovery.ts).
   */
  async recover(devices: Map<string, Device>, othersLive: ReadonlySet<string> = new Set()): Promise<void> {
    const recoveries = new Map<string, Recording>();
    for (const row of await this.recordings.openSpoolParts()) {
      if (!onThisSpool(row, this.settings)) continue;
      if (row.ffmpeg_pid) await waitForOrphan(row.ffmpeg_pid, row.dir);
      const part = new SpoolPart(row.recording_id, row.part_no, row.dir, new Date(row.wall_start), row.sealing_into ?? row.recording_id);
      part.markDead();
      const target = await this.recordings.get(part.sealingInto);
      const movedOn = recordingMovedOn(row, target);
      if (movedOn) {
        const from = await firstUnsealed(part, (source) => this.sealer.isSealed(source));
        if (from) part.sealingInto = (await this.recoveryOf(target, from, recoveries)).id;
      }
      await this.drain(part, undefined, movedOn ? 'node_failover' : 'server_restart');
    }
    for (const r of recoveries.values()) {
      const closed = await this.sealer.close(r.id);
      this.log.warn({ recording: r.id, recovers: r.recovers_recording_id, gap: r.recovers_gap_idx, segments: closed.segment_count }, 'recovery recording sealed from the spool of a dead node');
    }
    // Uploads are sealed by the offline ingest, which recovers its own.
    const open = await this.recordings.openLiveRecordings();
    for (const r of open) {
      if (r.node_id !== null && othersLive.has(r.node_id)) continue;
      // This node ends it (or continues it): a node taking over the dead one's device must not. A
      // dead node's recording gets its failover gap with the move, for its spool's recovery to name;
      // one this machine's own earlier process left is a restart, whose spool was sealed above.
      const mine = r.node_id === null || r.node_id === this.settings.nodeId || (await this.nodes.hostOf(r.node_id)) === this.settings.host;
      const now = this.clock.now();
      if (!(mine ? await this.recordings.moveToNode(r.id, r.node_id, this.settings.nodeId) : await this.sealer.takeOver(r.id, r.node_id, this.settings.nodeId, 'node_failover', now))) continue;
      const interruptedAt = r.interrupted_at ? new Date(r.interrupted_at) : await this.lastEnd(r);
      const cause: GapCause = r.pending_gap_cause ?? 'server_restart';
      await this.recordings.markInterrupted(r.id, interruptedAt.toISOString(), cause, this.settings.nodeId);
      const previous = this.byDevice.get(r.device_id);
      if (previous) await this.close(previous);
      const lastPartNo = await this.recordings.lastSpoolPartNo(r.id);
      const device = devices.get(r.device_id);
      const live = this.track(r, device ?? ({ id: r.device_id } as Device), lastPartNo + 1);
      const deadline = interruptedAt.getTime() + this.settings.graceSeconds * 1000;
      if (deadline <= this.clock.now().getTime() || device?.state !== 'active') await this.close(live);
      else this.scheduleClose(live, deadline);
      this.log.info({ recording: r.id, cause, closesAt: new Date(deadline).toISOString() }, 'recovered open recording');
    }
  }

  /** The recovery recording of `original` this start seals into, opened at the first recovered segment. */
  private async recoveryOf(original: Recording, from: Date, opened: Map<string, Recording>): Promise<Recording> {
    const known = opened.get(original.id);
    if (known) return known;
    const r = await this.openRecovery(original, from);
    opened.set(original.id, r);
    return r;
  }

  /** A recovery recording of `original` from `from`, linked to the failover gap its media fill. */
  private async openRecovery(original: Recording, from: Date): Promise<Recording> {
    const link = filledGap(original.id, await this.recordings.gapsOf(original.id, 'node_failover'), from);
    return this.sealer.openRecording(deviceAsRecorded(original), from, {
      flags: original.flags,
      node_id: this.settings.nodeId,
      recovers_recording_id: link.recordingId,
      recovers_gap_idx: link.gapIdx,
    });
  }

  /**
   * This node was cut off from the database for longer than its lease, and another node took the
   * device and its recording over meanwhile: what this node still seals of it goes into a recovery
   * recording, never into the chain the other node continues.
   */
  private async divert(live: Live, part: SpoolPart, from: Date): Promise<void> {
    const where = { recording: live.recordingId, part: part.partNo };
    const original = await this.persist('read recording', where, () => this.sealer.getRecording(live.recordingId));
    const recovery = await this.persist('open recovery recording', where, () => this.openRecovery(original, from));
    await this.persist('record the recovery', where, () => this.recordings.updateSpoolPart(part.recordingId, part.partNo, { sealing_into: recovery.id }));
    part.sealingInto = recovery.id;
    this.log.error({ ...where, node: original.node_id, recovery: recovery.id }, 'recording taken over by another node while this one was cut off; the rest goes to a recovery recording');
    live.recordingId = recovery.id;
    live.recordingStartedAt = from.getTime();
  }
}

/**
 * seal(segment) = sha256 → chain link → write-once put → ledger row. A segment counts as sealed
 * only once the object is durable in the store AND its row is committed; a crash between the
 * two is repaired by sealing the same spool file again (the put finds identical bytes).
 */
import { sha256Hex } from '../crypto/hash.ts';
import type { SigningKey } from '../crypto/signing-key.ts';
import type { Repositories } from '../db/repositories.ts';
import type { RecordingRepository } from '../db/recording-repository.ts';
import type { Device, GapCause, LedgerEntry, Recording } from '../db/schema.ts';
import { ObjectAlreadyExists } from '../errors.ts';
import { newId } from '../ids.ts';
import type { EvidenceStore } from '../storage/evidence-store.ts';
import { type ChainEntry, entryLine, headerLine, linkOf } from './chain.ts';
import { buildManifest } from './manifest.ts';
import { objectKeys } from './object-keys.ts';
import { WatchedFeeds } from './watched-feeds.ts';
import type { Clock } from '../clock.ts';

export interface SegmentToSeal {
  bytes: Buffer;
  startAt: Date;
  durationMs: number;
  /** "<part>/<file>": the spool file it came from */
  source: string;
  /** a photo's one segment is its picture, stored as such; otherwise MPEG-TS */
  format?: { ext: string; contentType: string };
  /** a partial segment, the file its segmenter was writing when this cut it short (its entry's cause) */
  cutShortBy?: GapCause;
}

/** What of its device a recording is made with. */
export type RecordedDevice = Pick<Device, 'id' | 'officer_badge' | 'unit' | 'clock_drift_ms'>;

/** What a recording is opened with besides its device and start. */
export type RecordingFacts = Partial<
  Pick<
    Recording,
    'origin' | 'clock_drift_ms' | 'flags' | 'device_started_at' | 'received_at' | 'upload_deadline' | 'late' | 'late_reason' | 'returned_at' | 'node_id' | 'recovers_recording_id' | 'recovers_gap_idx'
  >
>;

/**
 * The recording is another node's now: it took the device over while this one, cut off from the
 * database for longer than its lease, still held segments for it. They must not join its chain.
 */
export class TakenOver extends Error {
  constructor(
    readonly recordingId: string,
    readonly node: string,
  ) {
    super(`recording ${recordingId} was taken over by node ${node}`);
  }
}

/** Another entry took the recording's head between its read and this append: read it again and retry. */
class HeadMoved extends Error {
  constructor(recordingId: string, idx: number) {
    super(`recording ${recordingId} head moved while sealing entry ${idx}`);
  }
}

/** How many times a takeover reads the head again after the old node sealed past it. */
const TAKE_OVER_TRIES = 5;

export interface SealerDeps {
  repos: Repositories;
  store: EvidenceStore;
  signingKey: SigningKey;
  retentionDays: number;
  clock: Clock;
}

export class Sealer {
  private readonly recordings: RecordingRepository;
  private readonly watched: WatchedFeeds;
  private publicKeyStored = false;

  constructor(private readonly deps: SealerDeps) {
    this.recordings = deps.repos.recordings;
    this.watched = new WatchedFeeds(deps.repos.liveWatches, deps.clock);
  }

  private retainUntil(): Date {
    return new Date(this.deps.clock.now().getTime() + this.deps.retentionDays * 86_400_000);
  }

  /**
   * `continues`: the closed recording this one rolls over from; its last link heads this chain.
   * A recovery recording (`facts.recovers_recording_id`) names the recording and gap it fills in its header.
   */
  async openRecording(device: RecordedDevice, startedAt: Date, facts: RecordingFacts = {}, continues?: Recording): Promise<Recording> {
    const id = newId('rec', startedAt);
    const header = headerLine({
      recordingId: id,
      deviceId: device.id,
      officerBadge: device.officer_badge,
      startedAt: startedAt.toISOString(),
      chainFrom: continues?.head_link ?? null,
      recovers: facts.recovers_recording_id ? { recordingId: facts.recovers_recording_id, gapIdx: facts.recovers_gap_idx ?? null } : undefined,
    });
    const recording: Recording = {
      id,
      device_id: device.id,
      officer_badge: device.officer_badge,
      started_at: startedAt.toISOString(),
      ended_at: null,
      state: 'live',
      header_line: header,
      head_link: linkOf(header),
      entry_count: 0,
      segment_count: 0,
      gap_count: 0,
      duration_ms: 0,
      pending_gap_cause: null,
      interrupted_at: null,
      checkpointed_count: 0,
      manifest_key: null,
      unit: device.unit,
      confidentiality: null,
      origin: 'live',
      chain_from_recording: continues?.id ?? null,
      chain_segments_before: continues ? continues.chain_segments_before + continues.segment_count : 0,
      chain_gaps_before: continues ? continues.chain_gaps_before + continues.gap_count : 0,
      clock_drift_ms: device.clock_drift_ms,
      flags: '[]',
      device_started_at: null,
      received_at: null,
      upload_deadline: null,
      late: null,
      late_reason: null,
      returned_at: null,
      node_id: null,
      recovers_recording_id: null,
      recovers_gap_idx: null,
      ...facts,
    };
    await this.recordings.add(recording);
    return recording;
  }

  async getRecording(id: string): Promise<Recording> {
    return this.recordings.get(id);
  }

  /** Sources are unique across recordings: a segment sealed before a roll-over counts too. */
  async isSealed(source: string): Promise<boolean> {
    return (await this.recordings.sealedFrom(source)) !== undefined;
  }

  /**
   * Callers seal one recording's segments in order, one at a time (LiveRecording does). `asNode`:
   * the node sealing; TakenOver when the recording has moved to another node, checked again in the
   * ledger transaction: a takeover between the read and the commit keeps the segment out.
   */
  async sealSegment(recordingId: string, seg: SegmentToSeal, asNode?: string): Promise<LedgerEntry> {
    const existing = await this.recordings.sealedFrom(seg.source);
    if (existing) return existing;
    const r = await this.getRecording(recordingId);
    if (asNode !== undefined && r.node_id !== null && r.node_id !== asNode) throw new TakenOver(r.id, r.node_id);
    const sha256 = sha256Hex(seg.bytes);
    const idx = r.entry_count + 1;
    const key = objectKeys.segment(recordingId, idx, seg.format?.ext);
    await this.putIdempotent(key, seg.bytes, sha256, seg.format?.contentType ?? 'video/mp2t');
    const chain: ChainEntry = { kind: 'segment', idx, sha256, startAt: seg.startAt.toISOString(), durationMs: seg.durationMs };
    return this.append(r, chain, { sha256, object_key: key, size: seg.bytes.length, source: seg.source, cause: seg.cutShortBy ?? null }, { fence: asNode });
  }

  /**
   * Moves the recording from node `from` (dead, gone, or handing it over) to `to` and seals the
   * pause, from the end of its chain to `endAt`, as a gap with `cause`, in one transaction. Nobody
   * ever sees the recording moved without its gap, so a recovery of `from`'s spool always has a gap
   * to name; and a segment `from` was sealing at that moment lands before the gap or not at all
   * (sealSegment's fence). Undefined when `from` no longer records it.
   */
  async takeOver(recordingId: string, from: string | null, to: string, cause: GapCause, endAt: Date): Promise<LedgerEntry | undefined> {
    for (let tries = 1; ; tries++) {
      const r = await this.getRecording(recordingId);
      if (r.node_id !== from) return undefined;
      const last = await this.recordings.lastEntry(r.id);
      const startAt = last ? new Date(Date.parse(last.start_at) + last.duration_ms) : new Date(r.started_at);
      const chain: ChainEntry = { kind: 'gap', idx: r.entry_count + 1, cause, startAt: startAt.toISOString(), durationMs: Math.max(0, endAt.getTime() - startAt.getTime()) };
      try {
        return await this.append(r, chain, { cause }, { move: { from, to } });
      } catch (e) {
        if (e instanceof TakenOver) return undefined;
        // `from` sealed one more segment meanwhile: the gap starts after it.
        if (!(e instanceof HeadMoved) || tries === TAKE_OVER_TRIES) throw e;
      }
    }
  }

  async appendGap(recordingId: string, cause: GapCause, startAt: Date, endAt: Date): Promise<LedgerEntry> {
    const r = await this.getRecording(recordingId);
    const durationMs = Math.max(0, endAt.getTime() - startAt.getTime());
    const chain: ChainEntry = { kind: 'gap', idx: r.entry_count + 1, cause, startAt: startAt.toISOString(), durationMs };
    return this.append(r, chain, { cause });
  }

  /** The 告知 marker (001 §12): the party was told, at `at`, that recording had started. */
  async appendNotice(recordingId: string, at: Date, by: string): Promise<LedgerEntry> {
    const r = await this.getRecording(recordingId);
    const chain: ChainEntry = { kind: 'notice', idx: r.entry_count + 1, by, startAt: at.toISOString(), durationMs: 0 };
    return this.append(r, chain, { marker_by: by });
  }

  /**
   * `fence`: the node sealing, refused (TakenOver) if the recording is another's at the commit.
   * `move`: the recording moves between nodes in the same transaction (a takeover).
   */
  private async append(
    r: Recording,
    chain: ChainEntry,
    extra: Partial<Pick<LedgerEntry, 'sha256' | 'object_key' | 'size' | 'source' | 'cause' | 'marker_by'>>,
    { fence, move }: { fence?: string; move?: { from: string | null; to: string } } = {},
  ): Promise<LedgerEntry> {
    const link = linkOf(entryLine(r.head_link, chain));
    const entry: LedgerEntry = {
      recording_id: r.id,
      idx: chain.idx,
      kind: chain.kind,
      sha256: null,
      object_key: null,
      size: null,
      cause: null,
      source: null,
      marker_by: null,
      ...extra,
      start_at: chain.startAt,
      duration_ms: chain.durationMs,
      link,
      sealed_at: this.deps.clock.now().toISOString(),
    };
    // The wall's rendition only for a feed someone is watching now (server/playback/live-watch.ts).
    const watched = chain.kind === 'segment' && (await this.watched.watchedAt(r.device_id, entry.sealed_at));
    await this.recordings.transaction(async (tx) => {
      if (move && !(await tx.moveToNode(r.id, move.from, move.to))) throw new TakenOver(r.id, (await tx.get(r.id)).node_id ?? '-');
      const moved = !(await tx.append(entry, r.entry_count, fence, {
        head_link: link,
        entry_count: chain.idx,
        segment_count: r.segment_count + (chain.kind === 'segment' ? 1 : 0),
        gap_count: r.gap_count + (chain.kind === 'gap' ? 1 : 0),
        duration_ms: r.duration_ms + (chain.kind === 'segment' ? chain.durationMs : 0),
      }));
      if (moved) {
        const now = await tx.get(r.id);
        if (fence !== undefined && now.node_id !== null && now.node_id !== fence) throw new TakenOver(r.id, now.node_id);
        // Two sealers on one recording would fork the chain; the second one must fail loudly.
        throw new HeadMoved(r.id, chain.idx);
      }
      // In the sealing transaction: a sealed segment always has its job asked for, and sealing never waits on Redis.
      if (watched) await tx.askForJob('segment.live', { recordingId: r.id, idx: chain.idx }, r.id);
      if (chain.kind === 'segment') await tx.askForJob('segment.derive', { recordingId: r.id, idx: chain.idx }, r.id);
    });
    return entry;
  }

  /** Writes the chain head to the store, so a later edit of the database cannot rewrite history. */
  async checkpoint(recordingId: string): Promise<void> {
    const r = await this.getRecording(recordingId);
    if (r.entry_count === r.checkpointed_count) return;
    const body = Buffer.from(JSON.stringify({ format: 'liuhen-checkpoint/1', recordingId: r.id, entryCount: r.entry_count, headLink: r.head_link, at: this.deps.clock.now().toISOString() }) + '\n');
    await this.putIdempotent(objectKeys.checkpoint(r.id, r.entry_count), body, sha256Hex(body), 'application/json', true);
    await this.recordings.markCheckpointed(r.id, r.entry_count);
  }

  /** Ends the recording: final checkpoint, signed manifest, state closed. */
  async close(recordingId: string): Promise<Recording> {
    await this.checkpoint(recordingId);
    const r = await this.getRecording(recordingId);
    if (r.state === 'closed') return r;
    const entries = await this.recordings.entries(r.id);
    const last = entries[entries.length - 1];
    const endedAt = last ? new Date(new Date(last.start_at).getTime() + last.duration_ms).toISOString() : r.started_at;
    const closing: Recording = { ...r, ended_at: endedAt, state: 'closed', pending_gap_cause: null, interrupted_at: null };
    await this.storePublicKey();
    const manifest = buildManifest(closing, entries, this.deps.signingKey.fingerprint, this.deps.clock.now());
    const key = objectKeys.manifest(r.id);
    await this.putIdempotent(key, manifest, sha256Hex(manifest), 'application/json', true);
    const signature = this.deps.signingKey.sign(await this.deps.store.get(key));
    await this.putIdempotent(objectKeys.manifestSignature(r.id), signature, sha256Hex(signature), 'application/octet-stream', true);
    await this.recordings.transaction(async (tx) => {
      // Only the call that closed it asks for the recording's job: a close run again after a crash must not ask twice.
      if (await tx.markClosed(r.id, endedAt, key)) await tx.askForJob('recording.derive', { recordingId: r.id }, r.id);
    });
    return { ...closing, manifest_key: key };
  }

  private async storePublicKey(): Promise<void> {
    if (this.publicKeyStored) return;
    const pem = Buffer.from(this.deps.signingKey.publicKeyPem);
    await this.putIdempotent(objectKeys.publicKey(this.deps.signingKey.fingerprint), pem, sha256Hex(pem), 'application/x-pem-file');
    this.publicKeyStored = true;
  }

  /**
   * Write-once put that accepts finding the object already there — after a crash between put and
   * commit — when it is byte-identical, or (for checkpoint and manifest objects, which are made
   * again after a crash with a new time) when `keepExisting` says the first one stands.
   */
  private async putIdempotent(key: string, bytes: Buffer, sha256: string, contentType: string, keepExisting = false): Promise<void> {
    try {
      await this.deps.store.putOnce(key, bytes, { sha256, retainUntil: this.retainUntil(), contentType });
    } catch (e) {
      if (!(e instanceof ObjectAlreadyExists)) throw e;
      if (keepExisting) return;
      const stored = await this.deps.store.get(key);
      if (sha256Hex(stored) !== sha256) throw new Error(`${key} already holds different bytes; refusing to seal over it`);
    }
  }
}

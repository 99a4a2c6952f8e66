/**
 * Playback sessions: one viewer, one recording (replay) or one device (live), an expiry. Every
 * playlist and segment request is checked again — signature, session, the viewer still active,
 * the policy still allowing — and written to the audit log whether it is served or refused.
 * Bytes come only from the evidence store, and only when they still hash to the ledger (an
 * original) or to the derivatives row that names that original (a rendition or a marked variant).
 * A replay is served marked variants only, each viewer's by their session's codeword; segments
 * not marked yet are held back (marked-prefix.ts). Live serves renditions and originals.
 *
 * A party's session plays in a supervised viewing room (server/party/viewing-rooms.ts): it is
 * checked against the room and the approval on every request, with no admission cache, so a
 * pause or an end stops the very next segment; and it serves only forensically marked bytes —
 * the approved redaction's marked segments, or the recording's marked variants — never an original.
 */
import type { AuditAction } from '../audit/audit-actions.ts';
import type { AuditInput, AuditLog } from '../audit/audit-log.ts';
import type { RequestContext } from '../auth/auth-service.ts';
import { type Viewer, viewerOf } from '../auth/user-registry.ts';
import { sha256Hex } from '../crypto/hash.ts';
import type { Repositories } from '../db/repositories.ts';
import type { PlaybackRepository } from '../db/playback-repository.ts';
import type { RecordingRepository } from '../db/recording-repository.ts';
import type { DerivativeKind, PlaybackSession, Recording } from '../db/schema.ts';
import { LiuhenError, markAudited, NotAllowed, NotAuthenticated, StateConflict, UserNotFound } from '../errors.ts';
import { newId } from '../ids.ts';
import { tsVideoCodec, type VideoCodec } from '../media/ts-video-codec.ts';
import type { ViewingRooms } from '../party/viewing-rooms.ts';
import { type Decision, mayReplay, mayWatchLive } from '../policy/policy.ts';
import type { EvidenceStore } from '../storage/evidence-store.ts';
import { photoContentType } from '../uploads/photo-format.ts';
import { markedPrefix, type UnmarkedReason, unmarkedReason } from './marked-prefix.ts';
import { DeviceStreams, type StreamWindow } from './device-stream.ts';
import { LiveWatch } from './live-watch.ts';
import { LIVE_WINDOW_SEGMENTS, type PlaylistEntry, renderMasterPlaylist, renderMediaPlaylist, segmentsOf, targetSeconds, type Variant } from './playlist.ts';
import { RenditionRuns } from './rendition-run.ts';
import { SegmentCache } from './segment-cache.ts';
import { type Derived, derivativeFor, type SegmentSource, segmentSource } from './segment-source.ts';
import { SessionContinuity } from './session-continuity.ts';
import { TtlCache } from './ttl-cache.ts';
import { segmentObject, type UrlSigner } from './url-signer.ts';
import { type Clock, systemClock } from '../clock.ts';

export type PlaybackTarget = { recordingId: string } | { deviceId: string };

export interface CreatedSession {
  sessionId: string;
  kind: 'live' | 'replay';
  playlistUrl: string;
  expiresAt: string;
  watermark: { viewerName: string; badge: string; sessionId: string };
  /** a replay whose tail is held back until marked (marked-prefix.ts): how far marking has come; null when nothing is held */
  marking: { marked: number; segments: number } | null;
  /** a replay served from its originals, and why (marked-prefix.ts unmarkedReason); null when marked */
  unmarked: UnmarkedReason | null;
  /** a photo's picture, signed for this session (its playlist lists nothing: it is shown, not streamed); null otherwise */
  photoUrl: string | null;
}

export class IntegrityFailure extends LiuhenError {
  constructor(key: string) {
    super('integrity', `stored object ${key} no longer matches its ledger hash`);
  }
}

export const PLAYBACK_PATH = '/play';

const SEGMENT_CACHE_BYTES = 256 << 20;
/** How long an admitted session is trusted before signature-independent checks run again. */
const ADMISSION_TTL_MS = 1000;
/** How long a rendered window of a recording is reused across its viewers. */
const WINDOW_TTL_MS = 250;
/** How long a live recording's video codec is trusted: a camera set to another codec reconnects, a new part. */
const CODEC_TTL_MS = 60_000;

interface Admitted {
  session: PlaybackSession;
  viewer: Viewer;
}

/** `held`: a replay's segments not listed until they are marked; `marked`: none is held; `unmarked`: served from originals, and why */
type ReplayWindow = { recording: Recording; entries: PlaylistEntry[]; held: number; marked: boolean; derived: Derived; unmarked: UnmarkedReason | null };
type LiveWindow = StreamWindow & { r360: ReadonlySet<number> };
/** What a session's playlists keep from their first rendering (RFC 8216 §6.2.1). */
type PlaylistShape = { type: 'live' | 'event' | 'vod'; targetSeconds: number };

/** `index`: a replay's media playlist or a live session's master; the others are live variants. */
export type PlaylistName = 'index' | 'original' | 'r360';

/** The forensic pair; a replay serves a segment once it has both. */
const MARKS = ['mark_a', 'mark_b'] as const;

const NO_RENDITIONS: ReadonlySet<number> = new Set();

interface StoredObject {
  objectKey: string;
  sha256: string;
}

export class PlaybackService {
  private readonly segments = new SegmentCache(SEGMENT_CACHE_BYTES);
  /** object key → its store read and hash check under way (verified) */
  private readonly reading = new Map<string, Promise<Buffer | undefined>>();
  /** session id → a recent full admission (session row, active user, policy allowing); on the service's clock, like the checks it stands for */
  private readonly admitted = new TtlCache<string, Admitted>(ADMISSION_TTL_MS, 100_000, { now: () => this.clock.now() });
  private readonly replays = new TtlCache<string, ReplayWindow>(WINDOW_TTL_MS, 10_000);
  private readonly lives = new TtlCache<string, LiveWindow>(WINDOW_TTL_MS, 10_000);
  private readonly streams: DeviceStreams;
  private readonly continuity: SessionContinuity;
  private readonly watching: LiveWatch;
  private readonly renditionRuns: RenditionRuns;
  /** session id → its playlists' type and target duration so far */
  private readonly shapes: TtlCache<string, PlaylistShape>;
  /** sealed ledger entries never change: `<recordingId>/<idx>` → the facts a segment request needs */
  private readonly sealed = new TtlCache<string, { deviceId: string; objectKey: string | null; sha256: string | null; kind: string; unmarked: UnmarkedReason | null } | null>(Infinity, 200_000);
  /** derivatives (and redacted segments) are write-once too: `<recordingId>/<idx>/<kind>` → where it is and what it hashes to */
  private readonly derivatives = new TtlCache<string, (StoredObject & { sourceSha256: string }) | undefined>(Infinity, 200_000);
  /** recording id → the video codec of its latest sealed original, for the live master playlist */
  private readonly codecs = new TtlCache<string, VideoCodec | undefined>(CODEC_TTL_MS, 10_000);
  private readonly playback: PlaybackRepository;
  private readonly recordings: RecordingRepository;

  constructor(
    private readonly repos: Repositories,
    private readonly store: EvidenceStore,
    private readonly audit: AuditLog,
    /** the server's one ViewingRooms, which its expiry sweep shares */
    private readonly rooms: ViewingRooms,
    private readonly signer: UrlSigner,
    /** keys each replay session's forensic codeword (server/forensic/codeword.ts) */
    private readonly codewordKey: Buffer,
    private readonly sessionMinutes: number,
    /** the segmenter's segment length: the least target duration a playlist announces */
    private readonly segmentSeconds: number,
    private readonly clock: Clock = systemClock,
  ) {
    this.playback = repos.playback;
    this.recordings = repos.recordings;
    this.streams = new DeviceStreams(repos);
    const sessionMs = (sessionMinutes + 1) * 60_000;
    this.continuity = new SessionContinuity(sessionMs);
    this.watching = new LiveWatch(repos.liveWatches, clock);
    this.renditionRuns = new RenditionRuns(sessionMs);
    this.shapes = new TtlCache(sessionMs, 100_000);
  }

  /** Whether `viewer` may replay the recording, with the facts the policy needs looked up. */
  async replayDecision(viewer: Viewer, r: Recording): Promise<Decision> {
    const shared = await this.playback.isSharedWith(r.id, viewer.id, this.clock.now().toISOString());
    const onViewersCase = viewer.role === 'reviewer' && !shared && (await this.repos.cases.isOnCaseOf(viewer.badge, r.id));
    return mayReplay(viewer, { unit: r.unit, confidentiality: r.confidentiality, sharedWithViewer: shared, onViewersCase });
  }

  async createSession(viewer: Viewer, target: PlaybackTarget, ctx: RequestContext): Promise<CreatedSession> {
    const kind = 'recordingId' in target ? 'replay' : 'live';
    const subject = 'recordingId' in target ? target.recordingId : target.deviceId;
    const decision = await this.decide(viewer, kind, subject);
    if (!decision.allow) throw await this.refused(ctx, { actor: `user:${viewer.id}`, action: 'playback.session', subject }, decision.reason, new NotAllowed(decision.reason));
    return this.open(viewer, { kind, recording_id: kind === 'replay' ? subject : null, device_id: kind === 'live' ? subject : null, room_id: null, redaction_id: null }, null, ctx);
  }

  /**
   * A party's session in their viewing room: the room must be open and the recording in the
   * approval's scope; it serves the approved redaction when there is one, and waits (409
   * not_ready) until every segment has its marked variants rather than serve an original.
   */
  async createRoomSession(viewer: Viewer, roomId: string, recordingId: string, ctx: RequestContext): Promise<CreatedSession> {
    const event = { actor: `user:${viewer.id}`, action: 'playback.session' as const, subject: recordingId };
    const { decision, redactionId, windowUntil } = await this.rooms.playDecision(roomId, recordingId, viewer.id);
    if (!decision.allow) throw await this.refused(ctx, event, decision.reason, new NotAllowed(decision.reason), { roomId });
    const recording = await this.recordings.get(recordingId);
    if (!(await this.replayWindow(recording, redactionId)).marked) {
      throw await this.refused(ctx, event, 'not_ready', new StateConflict('not_ready', `the marked segments of ${recordingId} are not made yet`), { roomId });
    }
    return this.open(viewer, { kind: 'replay', recording_id: recordingId, device_id: null, room_id: roomId, redaction_id: redactionId }, windowUntil, ctx);
  }

  /** Writes the session (ending by `notAfter` if given) and audits it. */
  private async open(
    viewer: Viewer,
    target: Pick<PlaybackSession, 'kind' | 'recording_id' | 'device_id' | 'room_id' | 'redaction_id'>,
    notAfter: string | null,
    ctx: RequestContext,
  ): Promise<CreatedSession> {
    const created = this.clock.now();
    const usual = created.getTime() + this.sessionMinutes * 60_000;
    const session: PlaybackSession = {
      id: newId('ps'),
      user_id: viewer.id,
      ...target,
      created_at: created.toISOString(),
      expires_at: new Date(notAfter === null ? usual : Math.min(usual, Date.parse(notAfter))).toISOString(),
    };
    const kind = session.kind;
    const marking = kind === 'replay' ? await this.marking(session) : null;
    const recording = kind === 'replay' && !session.room_id ? await this.recordingOf(session) : undefined;
    const unmarked = recording ? unmarkedReason(recording.flags) : null;
    const photoIdx = unmarked === 'photo' ? await this.photoIdx(recording!.id) : undefined;
    await this.playback.addSession(session);
    await this.access(ctx, {
      actor: `user:${viewer.id}`,
      action: 'playback.session',
      subject: session.recording_id ?? session.device_id,
      outcome: 'ok',
      sessionId: session.id,
      detail: { kind, ...roomDetail(session), ...(unmarked ? { unmarked } : {}) },
    });
    return {
      sessionId: session.id,
      kind,
      playlistUrl: `${PLAYBACK_PATH}/${session.id}/index.m3u8?${this.signer.query(session.id, 'index', new Date(session.expires_at))}`,
      expiresAt: session.expires_at,
      watermark: { viewerName: viewer.name, badge: viewer.badge, sessionId: session.id },
      marking,
      unmarked,
      photoUrl:
        photoIdx === undefined
          ? null
          : `${PLAYBACK_PATH}/${session.id}/${session.recording_id}/${photoIdx}/photo?${this.signer.query(session.id, segmentObject(session.recording_id!, photoIdx, 'photo'), new Date(session.expires_at))}`,
    };
  }

  /** A photo recording's one segment: its picture. */
  private async photoIdx(recordingId: string): Promise<number | undefined> {
    return (await this.recordings.segments(recordingId))[0]?.idx;
  }

  /** A replay's marking progress while its tail is held back; null once every segment is served. */
  private async marking(session: Pick<PlaybackSession, 'kind' | 'recording_id' | 'device_id' | 'redaction_id'>): Promise<CreatedSession['marking']> {
    const r = await this.recordingOf(session);
    if (!r) return null;
    const { entries, held } = await this.replayWindow(r, session.redaction_id);
    if (held === 0) return null;
    const marked = entries.filter((e) => e.kind === 'segment').length;
    return { marked, segments: marked + held };
  }

  /**
   * `name` is `index` — a replay's media playlist, or a live session's master playlist — or the
   * live variant `original` / `r360` the master names. One session's playlists are one stream:
   * numbered by the device's stream (device-stream.ts), with a target duration that never drops.
   */
  async playlist(sessionId: string, name: PlaylistName, query: Record<string, unknown>, ctx: RequestContext): Promise<string> {
    const object = name === 'index' ? 'index' : `index/${name}`;
    const { session, viewer } = await this.admit(sessionId, object, query, ctx, 'playback.playlist');
    const event = { actor: `user:${viewer.id}`, action: 'playback.playlist' as const, sessionId, object: `${name}.m3u8` };
    const notAfter = new Date(session.expires_at);
    let body: string;
    let subject: string | null;
    if (session.kind === 'replay') {
      const { recording, entries, held, marked, derived, unmarked } = await this.replays.through(`${session.recording_id}:${session.redaction_id ?? ''}`, async () => {
        const r = (await this.recordingOf(session))!;
        return this.replayWindow(r, session.redaction_id);
      });
      subject = recording.id;
      if (name !== 'index' || unmarked === 'photo') throw await this.refused(ctx, { ...event, subject }, 'no such playlist', new NotAllowed('no such playlist'), roomDetail(session));
      if (session.room_id && !marked) throw await this.refused(ctx, { ...event, subject }, 'not_ready', new NotAllowed('not_ready'), roomDetail(session));
      // A room's party never gets originals: `marked` is false for an unmarked recording, refused above.
      const source = unmarked ? 'original' : segmentSource('replay', derived, 0);
      const segments = segmentsOf(entries);
      const ended = recording.state === 'closed' && held === 0;
      const shape = this.shapeOf(sessionId, { type: ended ? 'vod' : 'event', targetSeconds: targetSeconds(this.segmentSeconds, segments) });
      body = renderMediaPlaylist({ ...shape, mediaSequence: 0, discontinuitySequence: 0, segments, ended, segmentUrl: (idx) => this.segmentUrl(session.id, recording.id, idx, source, notAfter) });
    } else {
      await this.watching.seen(session.device_id!);
      const window = await this.lives.through(session.device_id!, () => this.liveWindow(session.device_id!));
      subject = session.device_id;
      const segments = segmentsOf(window.entries);
      const shape = this.shapeOf(sessionId, { type: 'live', targetSeconds: targetSeconds(this.segmentSeconds, segments) });
      if (name === 'index') {
        body = renderMasterPlaylist(await this.variants(session, window));
      } else {
        const r = window.recording!;
        const numbered = { segments, mediaSequence: window.mediaSequence, discontinuitySequence: window.discontinuitySequence };
        const source = name === 'r360' ? 'r360' : 'original';
        body = renderMediaPlaylist({
          ...shape,
          ...(name === 'r360' ? this.renditionRuns.list(sessionId, numbered, window.r360) : numbered),
          ended: false,
          segmentUrl: (idx) => this.segmentUrl(session.id, r.id, idx, source, notAfter),
        });
      }
    }
    await this.access(ctx, { ...event, subject, outcome: 'ok', bytes: Buffer.byteLength(body), ...(session.room_id ? { detail: roomDetail(session) } : {}) });
    return body;
  }

  private segmentUrl(sessionId: string, recordingId: string, idx: number, source: SegmentSource, notAfter: Date): string {
    const signed = this.signer.query(sessionId, segmentObject(recordingId, idx, source), notAfter);
    return `${recordingId}/${idx}.ts?${source === 'original' ? '' : `v=${source}&`}${signed}`;
  }

  /**
   * What a session's playlists keep from their first rendering: the playlist type, and the target
   * duration, which only ever grows (a longer segment than any before raises it once).
   */
  private shapeOf(sessionId: string, now: PlaylistShape): PlaylistShape {
    const before = this.shapes.get(sessionId);
    const shape = before ? { type: before.type, targetSeconds: Math.max(before.targetSeconds, now.targetSeconds) } : now;
    this.shapes.set(sessionId, shape);
    return shape;
  }

  /**
   * A live session's variants: the originals, and the 360p renditions when the worker is making
   * them (some segment of the window has one). The wall plays the lightest; a player that cannot
   * keep up on one variant may move to the other, both numbered alike. A device sending H.265
   * gets the rendition only.
   */
  private async variants(session: PlaybackSession, window: LiveWindow): Promise<Variant[]> {
    const notAfter = new Date(session.expires_at);
    const url = (name: Exclude<PlaylistName, 'index'>) => `${name}.m3u8?${this.signer.query(session.id, `index/${name}`, notAfter)}`;
    const r = window.recording;
    const idxs = window.entries.filter((e) => e.kind === 'segment').map((e) => e.idx);
    if (!r || idxs.length === 0) return [{ name: 'original', url: url('original'), bandwidth: 1 }];
    const renditions = window.r360.size > 0 ? await this.playback.renditionSizes(r.id, idxs) : [];
    // Browsers mostly cannot decode H.265 (hall cameras often send it): such a device is offered
    // through its H.264 rendition only, listed as the worker makes it, never its original.
    if ((await this.videoCodecOf(r.id, idxs.at(-1)!)) === 'hevc') return [{ name: 'r360', url: url('r360'), bandwidth: renditions.length > 0 ? peakBitsPerSecond(renditions) : 1 }];
    const originals = await this.playback.entrySizes(r.id, idxs);
    const variants: Variant[] = [{ name: 'original', url: url('original'), bandwidth: peakBitsPerSecond(originals) }];
    if (renditions.length > 0) variants.unshift({ name: 'r360', url: url('r360'), bandwidth: Math.min(peakBitsPerSecond(renditions), variants[0]!.bandwidth - 1) });
    return variants;
  }

  /**
   * The video codec of a sealed original, read from its program map; undefined (and asked again
   * next time) when it cannot be read now — the master then offers what it did before.
   */
  private async videoCodecOf(recordingId: string, idx: number): Promise<VideoCodec | undefined> {
    const known = this.codecs.get(recordingId);
    if (known) return known;
    const entry = await this.sealedEntry(recordingId, idx);
    if (!entry?.objectKey) return undefined;
    const bytes = this.segments.get(entry.objectKey) ?? (await this.store.get(entry.objectKey).catch(() => undefined));
    const codec = bytes && tsVideoCodec(bytes);
    if (codec) this.codecs.set(recordingId, codec);
    return codec;
  }

  /** `query.v` names the source the playlist chose (segment-source.ts); the signature covers it. */
  async segment(sessionId: string, recordingId: string, idx: number, query: Record<string, unknown>, ctx: RequestContext): Promise<Buffer> {
    const source = query.v === undefined ? 'original' : String(query.v);
    const object = segmentObject(recordingId, idx, source);
    const { session, viewer } = await this.admit(sessionId, object, query, ctx, 'playback.segment');
    const event = { actor: `user:${viewer.id}`, action: 'playback.segment' as const, subject: recordingId, sessionId };
    const room = roomDetail(session);
    const refuse = (reason: string) => this.refused(ctx, { ...event, object }, reason, new NotAllowed(reason), room);
    const entry = await this.sealedEntry(recordingId, idx);
    const belongs = entry && (session.kind === 'replay' ? recordingId === session.recording_id : entry.deviceId === session.device_id);
    if (!belongs) throw await refuse('segment outside the session');
    if (entry.kind !== 'segment' || !entry.objectKey || !entry.sha256) throw await refuse('no such segment');
    // A party is never served an original: only marked bytes, which trace a leak back to them.
    if (session.room_id && source !== 'mark') throw await refuse('room sessions serve marked segments only');
    // Nor is any replay: a copy without a codeword could not be traced to its viewer — except
    // the recording that cannot carry one (marked-prefix.ts unmarkedReason), served as sealed.
    const unmarkedOriginal = session.kind === 'replay' && source === 'original' && entry.unmarked !== null;
    if (session.kind === 'replay' && source !== 'mark' && !unmarkedOriginal) throw await refuse('replay sessions serve marked segments only');
    let stored: StoredObject = { objectKey: entry.objectKey, sha256: entry.sha256 };
    if (source !== 'original') {
      const derived = source === 'mark' || source === 'r360' ? await this.derivative(recordingId, idx, derivativeFor(source, this.codewordKey, sessionId, idx), session.redaction_id) : undefined;
      if (!derived) throw await refuse('no such segment');
      // A derivative stands for its original only if it names that original's hash.
      if (derived.sourceSha256 !== entry.sha256) {
        await this.access(ctx, { ...event, outcome: 'error', object: derived.objectKey, detail: { reason: 'integrity', ...room } });
        throw markAudited(new IntegrityFailure(derived.objectKey));
      }
      stored = derived;
    }
    const bytes = await this.checkedBytes(ctx, event, stored, room);
    // Checked as stored; served with continuity counters running on from the session's last segment.
    return this.continuity.serve(sessionId, source === 'r360' ? 'r360' : 'main', object, bytes);
  }

  /**
   * A photo recording's picture, as sealed, EXIF and all: it carries no forensic mark
   * (marked-prefix.ts), so each view is audited `unmarked: photo`. Never in a party's room.
   */
  async photo(sessionId: string, recordingId: string, idx: number, query: Record<string, unknown>, ctx: RequestContext): Promise<{ bytes: Buffer; contentType: string }> {
    const object = segmentObject(recordingId, idx, 'photo');
    const { session, viewer } = await this.admit(sessionId, object, query, ctx, 'playback.photo');
    const event = { actor: `user:${viewer.id}`, action: 'playback.photo' as const, subject: recordingId, sessionId };
    const entry = await this.sealedEntry(recordingId, idx);
    const contentType = entry?.objectKey ? photoContentType(entry.objectKey) : undefined;
    const mine = session.kind === 'replay' && !session.room_id && recordingId === session.recording_id;
    if (!mine || entry?.unmarked !== 'photo' || entry.kind !== 'segment' || !entry.objectKey || !entry.sha256 || !contentType) {
      throw await this.refused(ctx, { ...event, object }, 'no such photo', new NotAllowed('no such photo'), roomDetail(session));
    }
    return { bytes: await this.checkedBytes(ctx, event, { objectKey: entry.objectKey, sha256: entry.sha256 }, { unmarked: 'photo' }), contentType };
  }

  /** A stored object's bytes once they hash to what names them; serving them is audited with `detail`, a mismatch too. */
  private async checkedBytes(ctx: RequestContext, event: Pick<AuditInput, 'actor' | 'action' | 'subject' | 'sessionId'>, stored: StoredObject, detail: Record<string, unknown>): Promise<Buffer> {
    const bytes = this.segments.get(stored.objectKey) ?? (await this.verified(stored));
    if (!bytes) {
      await this.access(ctx, { ...event, outcome: 'error', object: stored.objectKey, detail: { reason: 'integrity', ...detail } });
      throw markAudited(new IntegrityFailure(stored.objectKey));
    }
    await this.access(ctx, { ...event, outcome: 'ok', object: stored.objectKey, bytes: bytes.length, ...(Object.keys(detail).length > 0 ? { detail } : {}) });
    return bytes;
  }

  /**
   * An object's bytes read from the store, kept in the segment cache once they hash to what names
   * them; undefined when they do not. Viewers at the live edge ask for a new segment all at once:
   * they share one read and one hash rather than each making their own before the cache has it.
   */
  private verified(stored: StoredObject): Promise<Buffer | undefined> {
    const inFlight = this.reading.get(stored.objectKey);
    if (inFlight) return inFlight;
    const reading = (async () => {
      const bytes = await this.store.get(stored.objectKey);
      if (sha256Hex(bytes) !== stored.sha256) return undefined;
      this.segments.set(stored.objectKey, bytes);
      return bytes;
    })().finally(() => this.reading.delete(stored.objectKey));
    this.reading.set(stored.objectKey, reading);
    return reading;
  }

  /** Writes one playback access event with the request's address and user agent. */
  private async access(ctx: RequestContext, event: Omit<AuditInput, 'address' | 'userAgent'>): Promise<void> {
    await this.audit.record({ ...event, address: ctx.address, userAgent: ctx.userAgent });
  }

  /** Audits a refusal and returns the error, marked as audited, for the caller to throw. */
  private async refused(
    ctx: RequestContext,
    event: Omit<AuditInput, 'address' | 'userAgent' | 'outcome' | 'detail'>,
    reason: string,
    error: LiuhenError,
    detail: Record<string, unknown> = {},
  ): Promise<LiuhenError> {
    await this.access(ctx, { ...event, outcome: 'refused', detail: { reason, ...detail } });
    return markAudited(error);
  }

  /** An entry's immutable facts, or null when there is no such entry (not cached: it may be sealed soon). */
  private async sealedEntry(recordingId: string, idx: number) {
    const key = `${recordingId}/${idx}`;
    const hit = this.sealed.get(key);
    if (hit) return hit;
    const row = await this.playback.sealedEntry(recordingId, idx);
    if (!row) return null;
    const facts = { deviceId: row.device_id, objectKey: row.object_key, sha256: row.sha256, kind: row.kind, unmarked: unmarkedReason(row.flags) };
    this.sealed.set(key, facts);
    return facts;
  }

  /**
   * A derivative's row — or, for a session serving a redaction, the redacted segment's of that
   * variant — or undefined while the worker has not made it (not cached: it may come soon).
   */
  private async derivative(recordingId: string, idx: number, kind: DerivativeKind, redactionId: string | null = null) {
    if (redactionId && kind !== 'mark_a' && kind !== 'mark_b') return undefined;
    return this.derivatives.through(redactionId ? `${redactionId}/${idx}/${kind}` : `${recordingId}/${idx}/${kind}`, async () => {
      const row = redactionId ? await this.playback.redactedSegment(redactionId, idx, kind as 'mark_a' | 'mark_b') : await this.repos.derivatives.find(recordingId, idx, kind);
      return row && { objectKey: row.object_key, sha256: row.sha256, sourceSha256: row.source_sha256 };
    });
  }

  /**
   * Signature, session, viewer and policy; every refusal is audited before it is thrown. The
   * signature is checked on every request; the rest is trusted for ADMISSION_TTL_MS after a full
   * check — except a room's session, whose room is asked every time.
   */
  private async admit(sessionId: string, object: string, query: Record<string, unknown>, ctx: RequestContext, action: AuditAction): Promise<Admitted> {
    const signatureProblem = this.signer.check(sessionId, object, query.exp, query.sig);
    const recent = this.admitted.get(sessionId);
    if (recent && !signatureProblem && Date.parse(recent.session.expires_at) > this.clock.now().getTime()) return recent;
    const admission = await this.playback.admission(sessionId, this.clock.now().toISOString());
    const session = admission?.session;
    const subject = session?.recording_id ?? session?.device_id ?? null;
    const refuse = (actor: string, reason: string, error: LiuhenError) => this.refused(ctx, { actor, action, subject, sessionId, object }, reason, error, session ? roomDetail(session) : {});
    if (!session) throw await refuse('anonymous', signatureProblem ?? 'no such session', new NotAuthenticated());
    const actor = `user:${session.user_id}`;
    if (signatureProblem) throw await refuse(actor, signatureProblem, new NotAuthenticated());
    if (Date.parse(session.expires_at) <= this.clock.now().getTime()) throw await refuse(actor, 'session_expired', new NotAuthenticated());
    const { user, signedIn, deviceUnit } = admission;
    if (!user) throw new UserNotFound(session.user_id);
    if (user.state !== 'active') throw await refuse(actor, 'user disabled', new NotAuthenticated());
    // A reset, or signing out of the last session, ends what was being watched too, within
    // ADMISSION_TTL_MS. Watching is not idleness: these requests carry no token, so the idle limit
    // is the API's (auth-service.ts).
    if (!signedIn) throw await refuse(actor, 'signed_out', new NotAuthenticated());
    const viewer = viewerOf(user);
    const decision = session.room_id
      ? (await this.rooms.playDecision(session.room_id, session.recording_id!, session.user_id)).decision
      : session.kind === 'live'
        ? liveDecision(viewer, deviceUnit)
        : await this.decide(viewer, session.kind, session.recording_id!);
    if (!decision.allow) throw await refuse(actor, decision.reason, new NotAllowed(decision.reason));
    if (!session.room_id) this.admitted.set(sessionId, { session, viewer });
    return { session, viewer };
  }

  private async decide(viewer: Viewer, kind: 'live' | 'replay', subject: string): Promise<Decision> {
    if (kind === 'live') return liveDecision(viewer, await this.playback.deviceUnit(subject));
    const recording = await this.recordings.find(subject);
    return recording ? this.replayDecision(viewer, recording) : { allow: false, reason: 'no such recording' };
  }

  /** Replay: the session's recording. Live: the device's newest recording. */
  private async recordingOf(session: Pick<PlaybackSession, 'kind' | 'recording_id' | 'device_id'>): Promise<Recording | undefined> {
    return session.kind === 'replay' ? this.recordings.find(session.recording_id!) : this.recordings.newestOf(session.device_id!);
  }

  /**
   * A replay's entries up to its first segment not yet marked (marked-prefix.ts). Notice markers
   * are chained evidence but not media: the timeline shows them, playlists do not.
   */
  private async replayWindow(r: Recording, redactionId: string | null): Promise<ReplayWindow> {
    const rows = await this.playback.mediaEntries(r.id);
    const all = rows.map((e) => ({ idx: e.idx, kind: e.kind as 'segment' | 'gap', startAt: e.start_at, durationMs: e.duration_ms }));
    const unmarked = redactionId ? null : unmarkedReason(r.flags);
    // Nothing is held for marks that will never come; nor is it `marked`, so no room serves it.
    if (unmarked) return { recording: r, entries: all, held: 0, marked: false, derived: { marked: false, marks: NO_RENDITIONS, r360: NO_RENDITIONS }, unmarked };
    const marks = await this.marks(r, redactionId);
    const { entries, held } = markedPrefix(all, marks);
    const marked = held === 0 && entries.some((e) => e.kind === 'segment');
    return { recording: r, entries, held, marked, derived: { marked, marks, r360: NO_RENDITIONS }, unmarked };
  }

  /** The device's stream window and which of its segments have a 360p rendition. */
  private async liveWindow(deviceId: string): Promise<LiveWindow> {
    const window = await this.streams.window(deviceId, LIVE_WINDOW_SEGMENTS);
    const first = window.entries[0]?.idx;
    if (!window.recording || first === undefined) return { ...window, r360: NO_RENDITIONS };
    return { ...window, r360: new Set(await this.playback.renditionsFrom(window.recording.id, first)) };
  }

  /** The segments that have both mark variants (of the redaction, when the session serves one). */
  private async marks(r: Recording, redactionId: string | null): Promise<ReadonlySet<number>> {
    const idxs = redactionId ? await this.playback.redactedMarkedIdxs(redactionId, MARKS) : await this.playback.markedIdxs(r.id, MARKS);
    const seen = new Map<number, number>();
    for (const idx of idxs) seen.set(idx, (seen.get(idx) ?? 0) + 1);
    return new Set([...seen].filter(([, n]) => n === MARKS.length).map(([idx]) => idx));
  }
}

/** Whether `viewer` may watch a device of `unit` (undefined: there is no such device). */
function liveDecision(viewer: Viewer, unit: string | undefined): Decision {
  return unit !== undefined ? mayWatchLive(viewer, unit) : { allow: false, reason: 'no such device' };
}

/** The highest bit rate among segments: what EXT-X-STREAM-INF's BANDWIDTH means. */
function peakBitsPerSecond(segments: { size: number | null; duration_ms: number | null }[]): number {
  return Math.max(1, ...segments.map((s) => ((s.size ?? 0) * 8) / Math.max(0.001, (s.duration_ms ?? 0) / 1000)));
}

/** What ties a party's session to its room in the audit log. */
function roomDetail(session: Pick<PlaybackSession, 'room_id' | 'redaction_id'>): Record<string, string> {
  if (!session.room_id) return {};
  return session.redaction_id ? { roomId: session.room_id, redactionId: session.redaction_id } : { roomId: session.room_id };
}

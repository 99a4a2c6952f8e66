/**
 * `liuhen trace`: who received a leaked copy. The leak is decoded to tiny grey frames and found,
 * by content, in a recording that has marked variants: where its picture sits on the
 * recording's, and which original frame each of its frames shows (leak-position.ts). Each
 * segment's bit is read against the original (mark-reading.ts); the bits are compared with the
 * codeword of everyone who could have received those variants — every replay session of the
 * recording and every party copy of it — and the best is named only when an innocent codeword
 * agreeing as well is unlikely enough (codeword-match.ts). Every trace is audited, whether it
 * names someone or not, with its outcome (TraceOutcome).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { AuditLog } from '../audit/audit-log.ts';
import type { ForensicRepository } from '../db/forensic-repository.ts';
import type { RecordingRepository } from '../db/recording-repository.ts';
import { LEAK_GREY_HEIGHT, LEAK_GREY_WIDTH } from '../media/grey-frames-args.ts';
import type { EvidenceStore } from '../storage/evidence-store.ts';
import { codewordVariant } from './codeword.ts';
import { FALSE_MATCH_LIMIT, judge, type Scored, type Verdict } from './codeword-match.ts';
import type { Geometry } from './geometry.ts';
import { decodeGreyFrames } from './grey-frames.ts';
import { type LeakPosition, plainPosition, registeredPosition } from './leak-position.ts';
import { type MarkReading, readablePixels, readMark } from './mark-reading.ts';
import { RecordingReferences, type Reference } from './reference.ts';

export interface TraceDeps {
  recordings: RecordingRepository;
  forensic: ForensicRepository;
  store: EvidenceStore;
  audit: AuditLog;
  ffmpegPath: string;
  /** the server key of forensic codewords */
  codewordKey: Buffer;
  /** recordings' decoded originals, kept across traces by a caller that runs many */
  references?: Map<string, Reference>;
}

export type Recipient =
  | { kind: 'session'; id: string; userId: string; name: string; badge: string; createdAt: string }
  | { kind: 'party_copy'; id: string; recipient: string | null; approvalNo: string | null; createdAt: string };

/**
 * - named: the copy is of recording R and its marks name one recipient, `match`;
 * - cannot_name: the copy is of recording R, but its marks are read too little (or agree too
 *   evenly) to name anyone at FALSE_MATCH_LIMIT;
 * - not_a_copy: it shows no recording with marked variants.
 */
export type TraceOutcome = 'named' | 'cannot_name' | 'not_a_copy';

export interface TraceReport {
  outcome: TraceOutcome;
  sha256: string;
  recordingId: string | null;
  /** the segment and moment of the recording the leak begins with */
  from: { idx: number; at: string } | null;
  segments: (MarkReading & { idx: number })[];
  bitsRead: number;
  /**
   * how the leak shows the recording: median robust frame difference (grey levels), frames
   * paired and left out, and where its picture sits on the recording's (geometry.ts)
   */
  alignment: { distance: number; paired: number; leftOut: number; geometry: Geometry } | null;
  /** best first */
  candidates: Scored<Recipient>[];
  match: (Scored<Recipient> & { falseMatch: number }) | null;
  /** why nobody is named */
  reason: string | null;
}

/** What kept a copy of the recording from naming anyone, with the counts behind it. */
function whyUnnamed(segments: MarkReading[], verdict: Verdict<Recipient>): string {
  const read = segments.filter((s) => s.bit).length;
  const few = segments.filter((s) => s.unread === 'few_frames').length;
  const unclear = segments.filter((s) => s.unread === 'unclear').length;
  const counts =
    `${read} of ${segments.length} segments read` +
    (few || unclear ? ` (${[few && `${few} with too few frames in the copy`, unclear && `${unclear} where the mark does not stand clear of the noise`].filter(Boolean).join(', ')})` : '');
  const [best, next] = verdict.ranked;
  if (read === 0) return `${counts}: the copy carries no forensic mark, or one too degraded to read`;
  if (!best) return `${counts}: nobody received marked copies of this recording`;
  if (next && next.agree === best.agree) return `${counts}: ${best.agree} agree with two codewords or more alike — a mix of copies, or too few bits to tell`;
  const needed = segmentsNeeded(verdict.ranked.length);
  return `${counts}: the closest codeword agrees on ${best.agree}; naming anyone needs at least ${needed} agreeing segments among ${verdict.ranked.length} candidates`;
}

/** The fewest agreeing segments (all agreeing) that name someone among `candidates`: candidates × 2⁻ⁿ ≤ FALSE_MATCH_LIMIT. */
function segmentsNeeded(candidates: number): number {
  return Math.ceil(Math.log2(candidates / FALSE_MATCH_LIMIT));
}

/** The segment and moment that original frame `n` shows (the first one, if the leak begins before the recording). */
function momentOf(reference: Reference, n: number): TraceReport['from'] {
  const seg = reference.segments.find((s) => n < s.first + s.count) ?? reference.segments.at(-1)!;
  const into = Math.min(Math.max(n - seg.first, 0), seg.count);
  return { idx: seg.idx, at: new Date(Date.parse(seg.startAt) + (into * seg.durationMs) / seg.count).toISOString() };
}

/** Everyone who could have received the recording's marked variants. */
async function recipientsOf(forensic: ForensicRepository, recordingId: string): Promise<Recipient[]> {
  const sessions = await forensic.replaySessionsOf(recordingId);
  const copies = await forensic.partyCopiesOf(recordingId);
  return [
    ...sessions.map((s): Recipient => ({ kind: 'session', id: s.id, userId: s.user_id, name: s.name, badge: s.badge, createdAt: s.created_at })),
    ...copies.map((c): Recipient => ({ kind: 'party_copy', id: c.id, recipient: c.recipient, approvalNo: c.approval_no, createdAt: c.created_at })),
  ];
}

function notACopy(sha256: string): TraceReport {
  return { outcome: 'not_a_copy', sha256, recordingId: null, from: null, segments: [], bitsRead: 0, alignment: null, candidates: [], match: null, reason: 'not a copy of any marked recording' };
}

async function fileSha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(fs.createReadStream(file), hash);
  return hash.digest('hex');
}

/** Leaks traced to whoever received the marked copy, for `liuhen trace`. */
export class TracedLeaks {
  private readonly originals: RecordingReferences;

  /** `deps.references`: kept by a caller that runs many traces; the core keeps none, as a recording's decoded frames are large and one trace needs them once. */
  constructor(private readonly deps: TraceDeps) {
    this.originals = new RecordingReferences(deps.recordings, deps.store, deps.ffmpegPath);
  }

  async trace(file: string, opts: { actor: string; recordingId?: string }): Promise<TraceReport> {
    const { deps } = this;
    const sha256 = await fileSha256(file);
    const found = await this.locate(file, opts.recordingId);
    const report = found ? await this.judge(found.reference, found.position, sha256) : notACopy(sha256);
    await deps.audit.record({
      actor: opts.actor,
      action: 'forensic.trace',
      subject: report.recordingId,
      outcome: 'ok',
      detail: {
        sha256,
        outcome: report.outcome,
        bitsRead: report.bitsRead,
        match: report.match && { kind: report.match.candidate.kind, id: report.match.candidate.id, agree: report.match.agree, of: report.match.of, falseMatch: report.match.falseMatch },
        reason: report.reason,
      },
    });
    return report;
  }

  /** A recording's decoded originals, kept across traces when the caller keeps them. */
  async reference(recordingId: string): Promise<Reference> {
    const kept = this.deps.references?.get(recordingId);
    if (kept) return kept;
    const reference = await this.originals.load(recordingId);
    this.deps.references?.set(recordingId, reference);
    return reference;
  }

  /** The marks read where the leak sits on `reference`, and whom they name; `sha256` is the leak's. */
  async judge(reference: Reference, { view, alignment }: LeakPosition, sha256: string): Promise<TraceReport> {
    const keep = readablePixels(
      alignment.segments.flatMap((s) => s.pairs),
      view.shown,
    );
    const segments = alignment.segments.filter((s) => s.pairs.length > 0).map((s) => ({ idx: s.idx, ...readMark(s.pairs, keep) }));
    const bits = new Map(segments.flatMap((s) => (s.bit ? [[s.idx, s.bit] as const] : [])));
    const verdict = judge(bits, await recipientsOf(this.deps.forensic, reference.recordingId), (r, idx) => codewordVariant(this.deps.codewordKey, r.id, idx));
    return {
      outcome: verdict.match ? 'named' : 'cannot_name',
      sha256,
      recordingId: reference.recordingId,
      from: momentOf(reference, alignment.start),
      segments,
      bitsRead: bits.size,
      alignment: { distance: alignment.distance, paired: alignment.pairs.length, leftOut: alignment.leftOut, geometry: view.geometry },
      candidates: verdict.ranked,
      match: verdict.match,
      reason: verdict.match ? null : whyUnnamed(segments, verdict),
    };
  }

  /**
   * The recording the leak shows most closely, with where. Whole-picture copies first, decoded to
   * the recording's grid; the leak is decoded finer, and its geometry searched for, only when no
   * recording has it that way.
   */
  private async locate(file: string, recordingId?: string): Promise<{ reference: Reference; position: LeakPosition } | null> {
    const { deps } = this;
    if (recordingId) await deps.recordings.get(recordingId);
    const ids = recordingId ? [recordingId] : await deps.forensic.markedRecordings();
    if (ids.length === 0) return null;
    const passes = [
      async () => ({ leak: await decodeGreyFrames(deps.ffmpegPath, file), position: plainPosition }),
      async () => ({ leak: await decodeGreyFrames(deps.ffmpegPath, file, { width: LEAK_GREY_WIDTH, height: LEAK_GREY_HEIGHT }), position: registeredPosition }),
    ];
    for (const pass of passes) {
      const { leak, position: positionIn } = await pass();
      let best: { reference: Reference; position: LeakPosition } | null = null;
      for (const id of ids) {
        const reference = await this.reference(id);
        const position = positionIn(leak, reference);
        if (position && (!best || position.alignment.distance < best.position.alignment.distance)) best = { reference, position };
      }
      if (best) return best;
    }
    return null;
  }
}

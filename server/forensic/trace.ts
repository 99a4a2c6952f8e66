/**
 * `liuhen trace`: who received a leaked copy. The leak is decoded to tiny grey frames and found,
 * by content, in a recording that has marked variants; each segment's bit is read against the
 * original (mark-reading.ts); the bits are compared with the codeword of everyone who could have
 * received those variants — every replay session of the recording and every party copy of it —
 * and the best is named only when an innocent codeword agreeing as well is unlikely enough
 * (codeword-match.ts). Every trace is audited, whether it names someone or not.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { AuditLog } from '../audit/audit-log.ts';
import type { Db } from '../db/database.ts';
import { RecordingNotFound } from '../errors.ts';
import type { EvidenceStore } from '../storage/evidence-store.ts';
import { alignLeak, type Alignment, MATCH_LEVELS } from './alignment.ts';
import { codewordVariant } from './codeword.ts';
import { judge, type Scored } from './codeword-match.ts';
import { decodeGreyFrames } from './grey-frames.ts';
import { type MarkReading, readablePixels, readMark } from './mark-reading.ts';
import { loadReference, type Reference } from './reference.ts';

export interface TraceDeps {
  db: Db;
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

export interface TraceReport {
  sha256: string;
  recordingId: string | null;
  /** the segment and moment of the recording the leak begins with */
  from: { idx: number; at: string } | null;
  segments: (MarkReading & { idx: number })[];
  bitsRead: number;
  /** best first */
  candidates: Scored<Recipient>[];
  match: (Scored<Recipient> & { falseMatch: number }) | null;
  /** why nobody is named */
  reason: string | null;
}

export async function trace(deps: TraceDeps, file: string, opts: { actor: string; recordingId?: string }): Promise<TraceReport> {
  const sha256 = await fileSha256(file);
  const leak = await decodeGreyFrames(deps.ffmpegPath, file);
  const found = await locate(deps, leak, opts.recordingId);
  const report = found ? await readAndJudge(deps, found.reference, found.alignment, sha256) : nobody(sha256, 'not a copy of any recording with marked variants');
  await deps.audit.record({
    actor: opts.actor, action: 'forensic.trace', subject: report.recordingId, outcome: 'ok',
    detail: { sha256, bitsRead: report.bitsRead, match: report.match && { kind: report.match.candidate.kind, id: report.match.candidate.id, agree: report.match.agree, of: report.match.of, falseMatch: report.match.falseMatch }, reason: report.reason },
  });
  return report;
}

/** The recording the leak shows most closely, with where. */
async function locate(deps: TraceDeps, leak: Uint8Array[], recordingId?: string): Promise<{ reference: Reference; alignment: Alignment } | null> {
  if (recordingId && !(await deps.db.selectFrom('recordings').select('id').where('id', '=', recordingId).executeTakeFirst())) throw new RecordingNotFound(recordingId);
  const ids = recordingId
    ? [recordingId]
    : (await deps.db.selectFrom('derivatives').select('recording_id').distinct().where('kind', '=', 'mark_a').execute()).map((r) => r.recording_id);
  let best: { reference: Reference; alignment: Alignment } | null = null;
  for (const id of ids) {
    const reference = await referenceOf(deps, id);
    const alignment = alignLeak(leak, reference.frames, reference.segments);
    if (alignment && alignment.distance <= MATCH_LEVELS && (!best || alignment.distance < best.alignment.distance)) best = { reference, alignment };
  }
  return best;
}

async function referenceOf(deps: TraceDeps, recordingId: string): Promise<Reference> {
  const kept = deps.references?.get(recordingId);
  if (kept) return kept;
  const reference = await loadReference(deps, recordingId);
  deps.references?.set(recordingId, reference);
  return reference;
}

async function readAndJudge(deps: TraceDeps, reference: Reference, alignment: Alignment, sha256: string): Promise<TraceReport> {
  const keep = readablePixels(alignment.segments.flatMap((s) => s.pairs));
  const segments = alignment.segments.filter((s) => s.pairs.length > 0).map((s) => ({ idx: s.idx, ...readMark(s.pairs, keep) }));
  const bits = new Map(segments.flatMap((s) => (s.bit ? [[s.idx, s.bit] as const] : [])));
  const verdict = judge(bits, await recipientsOf(deps.db, reference.recordingId), (r, idx) => codewordVariant(deps.codewordKey, r.id, idx));
  const reason = verdict.match
    ? null
    : bits.size === 0
      ? 'the copy carries no forensic mark'
      : `${bits.size} segments read: too few, or no codeword agrees clearly enough`;
  return { sha256, recordingId: reference.recordingId, from: momentOf(reference, alignment.start), segments, bitsRead: bits.size, candidates: verdict.ranked, match: verdict.match, reason };
}

/** The segment and moment that original frame `n` shows (the first one, if the leak begins before the recording). */
function momentOf(reference: Reference, n: number): TraceReport['from'] {
  const seg = reference.segments.find((s) => n < s.first + s.count) ?? reference.segments.at(-1)!;
  const into = Math.min(Math.max(n - seg.first, 0), seg.count);
  return { idx: seg.idx, at: new Date(Date.parse(seg.startAt) + (into * seg.durationMs) / seg.count).toISOString() };
}

/** Everyone who could have received the recording's marked variants. */
async function recipientsOf(db: Db, recordingId: string): Promise<Recipient[]> {
  const sessions = await db
    .selectFrom('playback_sessions').innerJoin('users', 'users.id', 'playback_sessions.user_id')
    .select(['playback_sessions.id', 'playback_sessions.user_id', 'playback_sessions.created_at', 'users.name', 'users.badge'])
    .where('playback_sessions.recording_id', '=', recordingId).where('playback_sessions.kind', '=', 'replay').execute();
  const copies = await db.selectFrom('exports').select(['id', 'recipient', 'approval_no', 'created_at']).where('recording_id', '=', recordingId).where('kind', '=', 'party_copy').execute();
  return [
    ...sessions.map((s): Recipient => ({ kind: 'session', id: s.id, userId: s.user_id, name: s.name, badge: s.badge, createdAt: s.created_at })),
    ...copies.map((c): Recipient => ({ kind: 'party_copy', id: c.id, recipient: c.recipient, approvalNo: c.approval_no, createdAt: c.created_at })),
  ];
}

function nobody(sha256: string, reason: string): TraceReport {
  return { sha256, recordingId: null, from: null, segments: [], bitsRead: 0, candidates: [], match: null, reason };
}

async function fileSha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(fs.createReadStream(file), hash);
  return hash.digest('hex');
}

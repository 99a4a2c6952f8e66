/**
 * `liuhen verify`: re-reads every object of a recording from the store and checks it against the
 * ledger, the chain, the store's checkpoints and the signed manifest. Reports every problem, in
 * entry order, so the first broken segment or link is named first.
 *
 * The report is the one machine-readable shape of a recording's verification: `liuhen verify
 * --json` prints it and `GET /api/recordings/:id/verification` answers it as it is (player/API.md).
 */
import { sha256Hex } from '../crypto/hash.ts';
import { verifySignature } from '../crypto/signing-key.ts';
import type { RecordingRepository } from '../db/recording-repository.ts';
import type { LedgerEntry } from '../db/schema.ts';
import { readExpiryRecord } from '../retention/expiry-record.ts';
import type { EvidenceStore } from '../storage/evidence-store.ts';
import { type ChainEntry, linkOf, entryLine, type RecoveryLink, recoveryToken } from './chain.ts';
import { type Manifest, manifestSchema } from './manifest.ts';
import { objectKeys } from './object-keys.ts';

export interface VerifyProblem {
  /** entry index the problem is at; 0 for the header or the recording as a whole */
  idx: number;
  what: 'chain_origin' | 'recovery_link' | 'link' | 'hash' | 'missing_object' | 'foreign_object' | 'manifest' | 'signature' | 'checkpoint' | 'sequence';
  message: string;
}

export interface VerifyReport {
  recordingId: string;
  ok: boolean;
  /** ledger entries: segments, gaps and notices */
  entries: number;
  segments: number;
  gaps: number;
  manifestChecked: boolean;
  checkpointsChecked: number;
  problems: VerifyProblem[];
  /**
   * Present once the recording's period ended and its media were removed (issue 17): the signed
   * expiry record's rule and dates. Objects it names are expired, not missing; the ledger, the
   * checkpoints and the manifest are still checked.
   */
  expired?: ExpiredFacts;
  /** a recovery recording: the recording whose failover gap its media fill (as its header says) */
  recovers?: RecoveryLink;
  /** recovery recordings sealed from what a dead node had spooled for this one, each with the gap it fills */
  recoveries?: RecoveryLink[];
}

export interface ExpiredFacts {
  rule: string;
  periodEndedAt: string;
  expiredAt: string;
  objects: number;
  bytes: number;
  /** false while an expiry is still under way (some of its objects may remain) */
  complete: boolean;
}

export function asChainEntry(e: LedgerEntry): ChainEntry {
  if (e.kind === 'segment') return { kind: 'segment', idx: e.idx, sha256: e.sha256 ?? '', startAt: e.start_at, durationMs: e.duration_ms };
  if (e.kind === 'gap') return { kind: 'gap', idx: e.idx, cause: e.cause ?? 'device_fault', startAt: e.start_at, durationMs: e.duration_ms };
  // A notice's duration is 0 by construction; a row edited to say otherwise breaks its link.
  return { kind: 'notice', idx: e.idx, by: e.marker_by ?? '', startAt: e.start_at, durationMs: e.duration_ms };
}

/** Recordings checked against the store, for the API and `liuhen verify`. */
export class RecordingVerification {
  constructor(
    private readonly recordings: RecordingRepository,
    private readonly store: EvidenceStore,
  ) {}

  check(recordingId: string): Promise<VerifyReport> {
    return verifyRecording(this.recordings, this.store, recordingId);
  }
}

async function verifyRecording(recordings: RecordingRepository, store: EvidenceStore, recordingId: string): Promise<VerifyReport> {
  const recording = await recordings.get(recordingId);
  const entries = await recordings.entries(recordingId);
  const problems: VerifyProblem[] = [];

  // The chain as the database tells it: contiguous indices, each link recomputed from the line.
  const links = [linkOf(recording.header_line)];
  entries.forEach((e, i) => {
    if (e.idx !== i + 1) problems.push({ idx: e.idx, what: 'sequence', message: `entry ${e.idx} stands where entry ${i + 1} should` });
    const link = linkOf(entryLine(links[i]!, asChainEntry(e)));
    if (link !== e.link) problems.push({ idx: e.idx, what: 'link', message: `entry ${e.idx}: link does not follow from the previous link and this entry's fields` });
    links.push(e.link);
  });

  await checkChainOrigin(recordings, recording.header_line, recording.chain_from_recording, problems);
  const recovers = recording.recovers_recording_id ? { recordingId: recording.recovers_recording_id, gapIdx: recording.recovers_gap_idx } : undefined;
  await checkRecoveryLink(recordings, recording.header_line, recovers, problems);
  const recoveries = (await recordings.recoveriesOf(recordingId)).map((r) => ({ recordingId: r.id, gapIdx: r.recovers_gap_idx }));
  const expiry = await checkExpiry(recordings, store, recordingId, entries, problems);

  // Every segment's bytes, read back from the store.
  for (const e of entries) {
    if (e.kind !== 'segment' || !e.object_key) continue;
    const stored = await store.head(e.object_key);
    if (!stored) {
      if (expiry?.keys.has(e.object_key)) continue;
      problems.push({ idx: e.idx, what: 'missing_object', message: `segment ${e.idx}: object ${e.object_key} is missing from the store` });
      continue;
    }
    const actual = sha256Hex(await store.get(e.object_key));
    if (actual !== e.sha256) problems.push({ idx: e.idx, what: 'hash', message: `segment ${e.idx}: stored bytes hash to ${actual}, the ledger says ${e.sha256}` });
  }
  for (const key of await foreignObjects(recordings, store, recordingId, entries)) {
    problems.push({ idx: 0, what: 'foreign_object', message: `object ${key} is in the recording's store space but not in its ledger` });
  }

  // Checkpoints in the store pin the chain head at moments the database cannot rewrite.
  const checkpointKeys = await store.list(objectKeys.checkpointPrefix(recordingId));
  for (const key of checkpointKeys) {
    const cp = JSON.parse((await store.get(key)).toString()) as { entryCount: number; headLink: string };
    // Written after the entries were read (the recording is live): held to the entry sealed since.
    const head = cp.entryCount < links.length ? links[cp.entryCount] : (await recordings.entry(recordingId, cp.entryCount))?.link;
    if (head !== cp.headLink) {
      problems.push({ idx: cp.entryCount, what: 'checkpoint', message: `checkpoint ${key}: the chain at entry ${cp.entryCount} no longer matches the head written while live` });
    }
  }

  const manifestChecked = await checkManifest(store, recordingId, recording.header_line, entries, problems);
  if (recording.state === 'closed' && !manifestChecked) {
    problems.push({ idx: 0, what: 'manifest', message: 'the recording is closed but its signed manifest is missing' });
  }

  problems.sort((a, b) => (a.idx || Infinity) - (b.idx || Infinity));
  return {
    recordingId,
    ok: problems.length === 0,
    entries: entries.length,
    segments: entries.filter((e) => e.kind === 'segment').length,
    gaps: entries.filter((e) => e.kind === 'gap').length,
    manifestChecked,
    checkpointsChecked: checkpointKeys.length,
    problems,
    ...(expiry ? { expired: expiry.facts } : {}),
    ...(recovers ? { recovers } : {}),
    ...(recoveries.length > 0 ? { recoveries } : {}),
  };
}

/**
 * The signed expiry record, if the recording has one: it excuses the objects it names only when
 * its signature holds and every segment it names carries the hash the ledger has for it.
 */
async function checkExpiry(
  recordings: RecordingRepository,
  store: EvidenceStore,
  recordingId: string,
  entries: LedgerEntry[],
  problems: VerifyProblem[],
): Promise<{ facts: ExpiredFacts; keys: Set<string> } | null> {
  let stored;
  try {
    stored = await readExpiryRecord(store, recordingId);
  } catch {
    problems.push({ idx: 0, what: 'signature', message: 'the expiry record in the store is not a liuhen expiry record' });
    return null;
  }
  if (!stored) return null;
  const { record } = stored;
  if (!stored.signatureValid) {
    problems.push({ idx: 0, what: 'signature', message: `expiry record signature does not verify with key ${record.signingKey}` });
    return null;
  }
  const ledger = new Map(entries.filter((e) => e.object_key).map((e) => [e.object_key!, e]));
  for (const o of record.objects) {
    const e = ledger.get(o.key);
    if (e && o.sha256 !== null && o.sha256 !== e.sha256) {
      problems.push({ idx: e.idx, what: 'hash', message: `segment ${e.idx}: the expiry record says it hashed to ${o.sha256}, the ledger says ${e.sha256}` });
    }
  }
  const completedAt = await recordings.expiryCompletedAt(recordingId);
  return {
    facts: { rule: record.rule, periodEndedAt: record.periodEndedAt, expiredAt: record.expiredAt, objects: record.objects.length, bytes: record.bytes, complete: completedAt != null },
    keys: new Set(record.objects.map((o) => o.key)),
  };
}

/**
 * Objects in the recording's segment space that its ledger does not name. While a recording is
 * live, segments sealed after the entries were read are looked up again, and the one segment
 * between its put and its ledger commit is not counted. Nor is a segment its node put as another
 * node took the recording over (killed, or cut off, before its commit), whose bytes a recovery
 * recording of this one seals: it is written once and cannot be taken back, and nothing is lost.
 */
async function foreignObjects(recordings: RecordingRepository, store: EvidenceStore, recordingId: string, entries: LedgerEntry[]): Promise<string[]> {
  const known = new Set(entries.map((e) => e.object_key));
  const unknown = (await store.list(objectKeys.segmentPrefix(recordingId))).filter((key) => !known.has(key));
  if (unknown.length === 0) return [];
  const now = await recordings.get(recordingId);
  const sealedSince = await recordings.sealedObjects(recordingId, unknown);
  const inFlight = now.state === 'closed' ? null : objectKeys.segment(recordingId, now.entry_count + 1);
  const foreign = unknown.filter((key) => !sealedSince.has(key) && key !== inFlight);
  if (foreign.length === 0) return [];
  const recovered = new Set<string | null>();
  for (const r of await recordings.recoveriesOf(recordingId)) for (const e of await recordings.entries(r.id)) recovered.add(e.sha256);
  const left: string[] = [];
  for (const key of foreign) if (!recovered.has(sha256Hex(await store.get(key)))) left.push(key);
  return left;
}

/** A roll-over recording's header must name the last link of the recording it continues. */
async function checkChainOrigin(recordings: RecordingRepository, header: string, from: string | null, problems: VerifyProblem[]): Promise<void> {
  const origin = header.trim().split(' ')[5];
  if (!from) {
    if (origin !== '-') problems.push({ idx: 0, what: 'chain_origin', message: `the header continues a chain (${origin}) but no previous recording is recorded` });
    return;
  }
  const previous = await recordings.find(from);
  if (!previous || previous.state !== 'closed' || previous.head_link !== origin) {
    problems.push({ idx: 0, what: 'chain_origin', message: `the header does not continue from the last link of ${from}` });
  }
}

/**
 * A recovery recording's header names the recording and the failover gap its media fill; that gap
 * must be one. Any other header names none.
 */
async function checkRecoveryLink(recordings: RecordingRepository, header: string, link: RecoveryLink | undefined, problems: VerifyProblem[]): Promise<void> {
  const named = header.trim().split(' ')[6];
  if (!link) {
    if (named !== undefined) problems.push({ idx: 0, what: 'recovery_link', message: `the header names a recovered recording (${named}) but none is recorded` });
    return;
  }
  if (named !== recoveryToken(link)) {
    problems.push({ idx: 0, what: 'recovery_link', message: `the header does not name ${recoveryToken(link)}` });
    return;
  }
  if (link.gapIdx === null) return;
  const [gap] = (await recordings.gapsOf(link.recordingId, 'node_failover')).filter((g) => g.idx === link.gapIdx);
  if (!gap) problems.push({ idx: 0, what: 'recovery_link', message: `entry ${link.gapIdx} of ${link.recordingId} is not a node_failover gap` });
}

async function checkManifest(store: EvidenceStore, recordingId: string, header: string, entries: LedgerEntry[], problems: VerifyProblem[]): Promise<boolean> {
  const key = objectKeys.manifest(recordingId);
  if (!(await store.head(key))) return false;
  const bytes = await store.get(key);
  const parsed = manifestSchema.safeParse(JSON.parse(bytes.toString()));
  if (!parsed.success) {
    problems.push({ idx: 0, what: 'manifest', message: `manifest ${key} is not a liuhen manifest` });
    return true;
  }
  const manifest: Manifest = parsed.data;
  const pem = await store.head(objectKeys.publicKey(manifest.signingKey)).then((h) => (h ? store.get(objectKeys.publicKey(manifest.signingKey)) : null));
  const sig = await store.head(objectKeys.manifestSignature(recordingId)).then((h) => (h ? store.get(objectKeys.manifestSignature(recordingId)) : null));
  if (!pem || !sig || !verifySignature(pem.toString(), bytes, sig)) {
    problems.push({ idx: 0, what: 'signature', message: `manifest signature does not verify with key ${manifest.signingKey}` });
  }
  if (manifest.header !== header) problems.push({ idx: 0, what: 'manifest', message: 'the recording header differs from the signed manifest' });
  const count = Math.max(entries.length, manifest.entries.length);
  for (let i = 0; i < count; i++) {
    const m = manifest.entries[i];
    const e = entries[i];
    const same =
      m &&
      e &&
      m.idx === e.idx &&
      m.kind === e.kind &&
      m.sha256 === e.sha256 &&
      m.cause === e.cause &&
      (m.by ?? null) === e.marker_by &&
      m.start === e.start_at &&
      m.durationMs === e.duration_ms &&
      m.link === e.link;
    if (!same) {
      problems.push({ idx: i + 1, what: 'manifest', message: `entry ${i + 1} differs from the signed manifest` });
      break;
    }
  }
  return true;
}

/**
 * recording.redact: a redacted derivative of a closed recording. Every original segment is read,
 * checked against its ledger hash, and re-encoded once into three variants (plain, and the
 * forensic mark_a / mark_b a party's playback and copy are made of) with the marked rectangles
 * blurred and the marked ranges muted (server/media/redaction-args.ts). The variants are written
 * once under `redactions/<id>/`, each row naming its original's hash; a signed manifest ties them
 * to the recording's manifest and lists the marks. Originals are never touched.
 *
 * Idempotent: a retried job keeps the variants an earlier run stored and carries on.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { sha256Hex } from '../server/crypto/hash.ts';
import type { LedgerEntry, RedactedVariant, Redaction } from '../server/db/schema.ts';
import { InvalidInput } from '../server/errors.ts';
import { RecordingNotClosed } from '../server/exports/export-requests.ts';
import { objectKeys } from '../server/ledger/object-keys.ts';
import { runFfmpeg } from '../server/media/ffmpeg-runner.ts';
import { probeVideo } from '../server/media/probe.ts';
import { REDACTED_VARIANTS, redactedFile, redactionArgs } from '../server/media/redaction-args.ts';
import { buildRedactionManifest, type RedactionManifest, signatureKeyOf } from '../server/redaction/redaction-manifest.ts';
import { marksForSegment, type RedactionMarks, redactionMarksSchema } from '../server/redaction/redaction-marks.ts';
import type { JobContext, JobHandler, WorkerDeps } from './job-handler.ts';
import { fetchOriginal } from './original-segment.ts';
import { withScratchDir } from './scratch-dir.ts';

export const recordingRedact: JobHandler<'recording.redact'> = async ({ redactionId }, ctx, deps) => {
  const redactions = deps.repos.redactions;
  const redaction = await redactions.get(redactionId);
  if (redaction.state === 'ready') return { manifestKey: redaction.manifest_key };
  const audit = deps.audit;
  const event = { actor: `worker:${ctx.jobId}`, subject: redaction.recording_id, sessionId: redactionId };
  // A retry after a failure is under way again.
  await redactions.markPending(redactionId);
  try {
    const manifestKey = await redact(redaction, ctx, deps);
    await redactions.markReady(redactionId, manifestKey);
    await audit.record({ ...event, action: 'redaction.made', outcome: 'ok', object: manifestKey, detail: { redactionId } });
    await ctx.progress(100);
    return { manifestKey };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    await redactions.markFailed(redactionId, message);
    await audit.record({ ...event, action: 'redaction.made', outcome: 'error', detail: { redactionId, error: message } });
    throw e;
  }
};

/** Makes what is missing, then writes and signs the manifest; returns the manifest's key. */
async function redact(redaction: Redaction, ctx: JobContext, deps: WorkerDeps): Promise<string> {
  const recordings = deps.repos.recordings;
  const recording = await recordings.get(redaction.recording_id);
  if (recording.state !== 'closed' || !recording.manifest_key) throw new RecordingNotClosed(recording.id);
  const marks = redactionMarksSchema.parse(JSON.parse(redaction.marks));
  const segments = await recordings.segments(recording.id);

  let positionMs = 0;
  for (const [n, entry] of segments.entries()) {
    await redactSegment(redaction.id, entry, marks, positionMs, deps);
    positionMs += entry.duration_ms;
    await ctx.progress(Math.round((95 * (n + 1)) / segments.length));
  }

  const rows = await deps.repos.redactions.segments(redaction.id);
  const manifestKey = objectKeys.redactionManifest(redaction.id);
  const manifest = buildRedactionManifest({
    redactionId: redaction.id,
    recording: {
      id: recording.id,
      manifestKey: recording.manifest_key,
      manifestSha256: sha256Hex(await deps.store.get(recording.manifest_key)),
      finalLink: recording.head_link,
    },
    marks,
    createdBy: redaction.created_by,
    createdAt: redaction.created_at,
    segments: segments.map((s) => {
      const variant = (v: RedactedVariant) => {
        const row = rows.find((r) => r.idx === s.idx && r.variant === v);
        if (!row) throw new InvalidInput(`redaction ${redaction.id}: segment ${s.idx} has no ${v} variant`);
        return { key: row.object_key, sha256: row.sha256, size: row.size };
      };
      return { idx: s.idx, sourceSha256: s.sha256!, durationMs: s.duration_ms, variants: { plain: variant('plain'), mark_a: variant('mark_a'), mark_b: variant('mark_b') } };
    }),
    signingKey: deps.signingKey.fingerprint,
    signedAt: deps.clock.now().toISOString(),
  } satisfies Omit<RedactionManifest, 'format'>);
  await deps.products.store(manifestKey, manifest, 'application/json');
  // Signed as stored: a retry that finds an earlier manifest signs that one (Ed25519 gives the same signature).
  const signature = deps.signingKey.sign(await deps.store.get(manifestKey));
  await deps.products.store(signatureKeyOf(manifestKey), signature, 'application/octet-stream');
  return manifestKey;
}

/** The three variants of one segment, unless a previous run stored them. */
async function redactSegment(redactionId: string, entry: LedgerEntry, marks: RedactionMarks, positionMs: number, deps: WorkerDeps): Promise<void> {
  const redactions = deps.repos.redactions;
  const made = await redactions.variantsMade(redactionId, entry.idx);
  if (made.length === REDACTED_VARIANTS.length) return;
  return withScratchDir(deps.workDir, async (dir) => {
    const original = await fetchOriginal(deps.store, entry, dir);
    const video = await probeVideo(deps.ffmpegPath, original);
    if (video.startSeconds === undefined) throw new InvalidInput(`no first timestamp in segment ${entry.idx}: the marks cannot be placed`);
    const redaction = marksForSegment(marks, { positionMs, durationMs: entry.duration_ms, startSeconds: video.startSeconds });
    const { output, ...args } = redactionArgs({ redaction });
    await runFfmpeg(deps.ffmpegPath, { ...args, input: original, output, cwd: dir }).done;
    for (const variant of REDACTED_VARIANTS) {
      if (made.some((m) => m.variant === variant)) continue;
      const key = objectKeys.redactedSegment(redactionId, variant, entry.idx);
      const { sha256, size } = await deps.products.store(key, await fs.readFile(path.join(dir, redactedFile(variant))), 'video/mp2t');
      await redactions.addSegment({
        // Frames pass through one for one: a variant lasts as long as its original.
        redaction_id: redactionId,
        idx: entry.idx,
        variant,
        object_key: key,
        sha256,
        size,
        source_sha256: entry.sha256!,
        duration_ms: entry.duration_ms,
        created_at: deps.clock.now().toISOString(),
      });
    }
  });
}

/**
 * A party's copy (001 §36): one MP4 of the recording, traceable to whoever received it (001 §35).
 * Two marks: a visible one burned in (仅供<recipient>使用, the approval number, the date, the export
 * id), and the forensic A/B mark — segment i is variant codeword(export id)[i], so `liuhen trace`
 * finds this export from a leaked copy even when the visible mark is cropped or blurred away.
 *
 * A copy made from a redaction (exports.redaction_id; a labelled recording leaves only so, 001 §37)
 * is joined from that redaction's marked variants instead of the recording's replay variants.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { sha256Hex } from '../server/crypto/hash.ts';
import type { Export } from '../server/db/schema.ts';
import { LiuhenError, NotFound, StateConflict } from '../server/errors.ts';
import { markKind } from '../server/forensic/codeword.ts';
import { runFfmpeg } from '../server/media/ffmpeg-runner.ts';
import { CONCAT_LIST, concatList, PROGRESS_FILE, partyCopyArgs, WATERMARK_FONT, WATERMARK_TEXT, watermarkText } from '../server/media/party-copy-args.ts';
import { madeAlready } from './export-output.ts';
import { watchProgress } from './ffmpeg-progress.ts';
import type { JobHandler, WorkerDeps } from './job-handler.ts';
import { withScratchDir } from './scratch-dir.ts';
import { deriveMarkedVariants } from './marked-variants.ts';

export class MarkedVariantMissing extends LiuhenError {
  constructor(recordingId: string, idx: number, why: string) {
    super('integrity', `recording ${recordingId}, segment ${idx}: marked variant ${why}`);
  }
}

/**
 * Without the font ffmpeg's drawtext falls back to one without Chinese glyphs and the recipient's
 * name comes out as boxes in a copy that says it completed: fail the job instead, saying which.
 */
export class FontMissing extends LiuhenError {
  constructor(fontFile: string) {
    super(
      'font_not_found',
      `party copies need the CJK font LIUHEN_FONT_FILE=${fontFile}, which does not exist: install Debian's fonts-wqy-microhei (npm start does) or point LIUHEN_FONT_FILE at a font with Chinese glyphs`,
    );
  }
}

async function requireFont(fontFile: string): Promise<void> {
  const found = await fs.stat(fontFile).then(
    (s) => s.isFile(),
    () => false,
  );
  if (!found) throw new FontMissing(fontFile);
}

const OUTPUT = 'party-copy.mp4';
const partName = (idx: number) => `v${String(idx).padStart(6, '0')}.ts`;
const localDate = (iso: string) => {
  const d = new Date(iso);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
};

export const exportPartyCopy: JobHandler<'export.party_copy'> = async ({ exportId }, ctx, deps) => {
  const { exp, recording } = await deps.exportOutput.load(exportId, 'party_copy');
  const done = madeAlready(exp);
  if (done) return done;
  await requireFont(deps.fontFile);

  if (exp.redaction_id) await readyRedaction(deps, exp.redaction_id, recording.id);
  // Idempotent: a recording already derived is only looked up. Its half of the bar is 0–50.
  else await deriveMarkedVariants(recording.id, { ...ctx, progress: (p: number) => ctx.progress(Math.floor(p / 2)) }, deps);
  await ctx.progress(50);

  const segments = await deps.repos.recordings.segments(recording.id);
  return withScratchDir(deps.workDir, async (dir) => {
    for (const s of segments) {
      const kind = markKind(deps.codewordKey, exp.id, s.idx);
      const variant = await markedVariant(deps, exp, s.idx, kind);
      if (!variant) throw new MarkedVariantMissing(recording.id, s.idx, `${kind} was not made`);
      if (variant.source_sha256 !== s.sha256) throw new MarkedVariantMissing(recording.id, s.idx, `${kind} was not made from the sealed original`);
      const bytes = await deps.store.get(variant.object_key);
      if (sha256Hex(bytes) !== variant.sha256) throw new MarkedVariantMissing(recording.id, s.idx, `${kind} does not hash to its record`);
      await fs.writeFile(path.join(dir, partName(s.idx)), bytes);
    }
    await fs.writeFile(path.join(dir, CONCAT_LIST), concatList(segments.map((s) => partName(s.idx))));
    await fs.symlink(path.resolve(deps.fontFile), path.join(dir, WATERMARK_FONT));
    await fs.writeFile(path.join(dir, WATERMARK_TEXT), watermarkText({ recipient: exp.recipient ?? '', approvalNo: exp.approval_no ?? '', date: localDate(exp.created_at), exportId: exp.id }));

    const totalMs = segments.reduce((n, s) => n + s.duration_ms, 0);
    const stop = watchProgress(path.join(dir, PROGRESS_FILE), totalMs, (f) => ctx.progress(50 + Math.floor(45 * f)));
    try {
      await runFfmpeg(deps.ffmpegPath, { input: CONCAT_LIST, ...partyCopyArgs(), output: OUTPUT, cwd: dir }).done;
    } finally {
      await stop();
    }
    return deps.exportOutput.store(ctx, exp, { name: OUTPUT, source: path.join(dir, OUTPUT), contentType: 'video/mp4' });
  });
};

/** The redaction a copy is made from: of this recording, and done (its job may still be running: retried). */
async function readyRedaction(deps: Pick<WorkerDeps, 'repos'>, redactionId: string, recordingId: string): Promise<void> {
  const redaction = await deps.repos.redactions.get(redactionId);
  // A redaction of another recording is no redaction of this one.
  if (redaction.recording_id !== recordingId) throw new NotFound('redaction', redactionId);
  if (redaction.state !== 'ready') throw new StateConflict('redaction_not_ready', `redaction ${redactionId} is ${redaction.state}`);
}

/** Segment idx's marked variant for this copy: the redaction's when it is made from one, else the recording's replay variant. */
function markedVariant(deps: Pick<WorkerDeps, 'repos' | 'derivatives'>, exp: Export, idx: number, kind: 'mark_a' | 'mark_b') {
  return exp.redaction_id ? deps.repos.redactions.markedVariant(exp.redaction_id, idx, kind) : deps.derivatives.find(exp.recording_id, idx, kind);
}

/**
 * A party's copy (001 §36): one MP4 of the recording, traceable to whoever received it (001 §35).
 * Two marks: a visible one burned in (仅供<recipient>使用, the approval number, the date, the export
 * id), and the forensic A/B mark — segment i is variant codeword(export id)[i], so `liuhen trace`
 * finds this export from a leaked copy even when the visible mark is cropped or blurred away.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { sha256Hex } from '../server/crypto/hash.ts';
import { LiuhenError } from '../server/errors.ts';
import { codewordVariant } from '../server/forensic/codeword.ts';
import { runFfmpeg } from '../server/media/ffmpeg-runner.ts';
import { CONCAT_LIST, concatList, PROGRESS_FILE, partyCopyArgs, WATERMARK_FONT, WATERMARK_TEXT, watermarkText } from '../server/media/party-copy-args.ts';
import { findDerivative } from './derivatives.ts';
import { madeAlready, loadExport, storeExport } from './export-output.ts';
import { watchProgress } from './ffmpeg-progress.ts';
import type { JobHandler } from './job-handler.ts';
import { withScratchDir } from './scratch-dir.ts';
import { deriveMarkedVariants } from './marked-variants.ts';

export class MarkedVariantMissing extends LiuhenError {
  constructor(recordingId: string, idx: number, why: string) {
    super('integrity', `recording ${recordingId}, segment ${idx}: marked variant ${why}`);
  }
}

const OUTPUT = 'party-copy.mp4';
const partName = (idx: number) => `v${String(idx).padStart(6, '0')}.ts`;
const localDate = (iso: string) => {
  const d = new Date(iso);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
};

export const exportPartyCopy: JobHandler<'export.party_copy'> = async ({ exportId }, ctx, deps) => {
  const { exp, recording } = await loadExport(deps, exportId, 'party_copy');
  const done = madeAlready(exp);
  if (done) return done;

  // Idempotent: a recording already derived is only looked up. Its half of the bar is 0–50.
  await deriveMarkedVariants(recording.id, { ...ctx, progress: (p: number) => ctx.progress(Math.floor(p / 2)) }, deps);
  await ctx.progress(50);

  const segments = await deps.db
    .selectFrom('ledger_entries').select(['idx', 'duration_ms']).where('recording_id', '=', recording.id).where('kind', '=', 'segment').orderBy('idx').execute();
  return withScratchDir(deps.workDir, async (dir) => {
    for (const s of segments) {
      const kind = codewordVariant(deps.codewordKey, exp.id, s.idx) === 'A' ? 'mark_a' : 'mark_b';
      const variant = await findDerivative(deps, recording.id, s.idx, kind);
      if (!variant) throw new MarkedVariantMissing(recording.id, s.idx, `${kind} was not made`);
      const bytes = await deps.store.get(variant.object_key);
      if (sha256Hex(bytes) !== variant.sha256) throw new MarkedVariantMissing(recording.id, s.idx, `${kind} does not hash to its record`);
      await fs.writeFile(path.join(dir, partName(s.idx)), bytes);
    }
    await fs.writeFile(path.join(dir, CONCAT_LIST), concatList(segments.map((s) => partName(s.idx))));
    await fs.symlink(path.resolve(deps.fontFile), path.join(dir, WATERMARK_FONT));
    await fs.writeFile(
      path.join(dir, WATERMARK_TEXT),
      watermarkText({ recipient: exp.recipient ?? '', approvalNo: exp.approval_no ?? '', date: localDate(exp.created_at), exportId: exp.id }),
    );

    const totalMs = segments.reduce((n, s) => n + s.duration_ms, 0);
    const stop = watchProgress(path.join(dir, PROGRESS_FILE), totalMs, (f) => ctx.progress(50 + Math.floor(45 * f)));
    try {
      await runFfmpeg(deps.ffmpegPath, { input: CONCAT_LIST, ...partyCopyArgs(), output: OUTPUT, cwd: dir }).done;
    } finally {
      await stop();
    }
    const bytes = await fs.readFile(path.join(dir, OUTPUT));
    return storeExport(deps, ctx, exp, { name: OUTPUT, bytes, contentType: 'video/mp4' });
  });
};

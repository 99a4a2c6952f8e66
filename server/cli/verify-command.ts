import type { Core } from '../core.ts';
import { EXIT } from './exit-codes.ts';

export async function verify(core: Core, recordingId: string, json: boolean): Promise<number> {
  const report = await core.recordingVerification.check(recordingId);
  if (json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  else if (report.ok && report.expired) {
    const x = report.expired;
    process.stdout.write(
      `recording ${recordingId}: expired under rule ${x.rule} on ${x.expiredAt} (its period ended ${x.periodEndedAt}; ` +
        `${x.objects} objects, ${x.bytes} bytes removed${x.complete ? '' : ', removal under way'}) — ledger intact: ${report.segments} segments, ${report.gaps} gaps, ` +
        `${report.checkpointsChecked} checkpoints, manifest ${report.manifestChecked ? 'signature valid' : 'absent'}\n`,
    );
  } else if (report.ok) {
    process.stdout.write(
      `recording ${recordingId}: intact — ${report.segments} segments, ${report.gaps} gaps, ` +
        `${report.checkpointsChecked} checkpoints, manifest ${report.manifestChecked ? 'signature valid' : 'not yet written (recording open)'}\n`,
    );
  } else {
    const first = report.problems[0]!;
    process.stdout.write(`recording ${recordingId}: BROKEN at ${first.idx > 0 ? `entry ${first.idx}` : 'recording level'} — ${first.message}\n`);
    for (const p of report.problems.slice(1)) process.stdout.write(`  also: ${p.message}\n`);
  }
  if (!json) {
    const gap = (idx: number | null) => (idx === null ? 'a node_failover gap not sealed when it was made' : `gap entry ${idx}`);
    if (report.recovers) process.stdout.write(`  recovery recording: fills ${gap(report.recovers.gapIdx)} of recording ${report.recovers.recordingId}\n`);
    for (const r of report.recoveries ?? []) process.stdout.write(`  ${gap(r.gapIdx)} recovered in recording ${r.recordingId}\n`);
  }
  return report.ok ? EXIT.ok : EXIT.verifyFailed;
}

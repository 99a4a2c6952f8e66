import fs from 'node:fs';
import { InvalidInput } from '../errors.ts';
import { MATCH_LEVELS } from '../forensic/alignment.ts';
import { FALSE_MATCH_LIMIT } from '../forensic/codeword-match.ts';
import { type AxisMap, IDENTITY } from '../forensic/geometry.ts';
import type { Recipient } from '../forensic/trace.ts';
import type { Core } from '../core.ts';
import { CLI_ACTOR } from './actor.ts';
import { EXIT } from './exit-codes.ts';

function describe(r: Recipient): string {
  return r.kind === 'session'
    ? `replay session ${r.id} of ${r.name} (badge ${r.badge}), opened ${r.createdAt}`
    : `party copy ${r.id} for ${r.recipient ?? '?'} (approval ${r.approvalNo ?? '-'}), made ${r.createdAt}`;
}

/** Where a leak's picture edges fall on the recording's, in percent: inside 0–100 when cropped, beyond when it has bars. */
const edges = (m: AxisMap) => {
  const [from, to] = [m.offset, m.offset + m.scale].sort((a, b) => a - b).map((u) => Math.round(u * 100));
  return `${from} % and ${to} %`;
};

const probability = (p: number) => (p < 1e-3 ? p.toExponential(1) : p.toPrecision(2));

/** Exit 0 when someone is named; 1, as for a failed verification, when nobody is. */
export async function traceCommand(core: Core, file: string, recordingId: string | undefined, json: boolean): Promise<number> {
  if (!fs.existsSync(file)) throw new InvalidInput(`no such file: ${file}`);
  const report = await core.tracedLeaks.trace(file, { actor: CLI_ACTOR, recordingId });
  if (json) {
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    return report.match ? EXIT.ok : EXIT.verifyFailed;
  }
  const out: string[] = [];
  if (report.outcome === 'not_a_copy') {
    out.push(`${file}: not a copy of any marked recording — no part of it shows one closely enough (median difference over ${MATCH_LEVELS} grey levels)`);
  } else {
    const a = report.alignment!;
    out.push(
      `${file}: a copy of recording ${report.recordingId} from segment ${report.from!.idx} (${report.from!.at}); ${a.paired} frames matched within ${a.distance.toFixed(1)} grey levels${a.leftOut ? `, ${a.leftOut} left out` : ''}; the mark read in ${report.bitsRead} of ${report.segments.length} segments`,
    );
    if (a.geometry !== IDENTITY)
      out.push(`  its picture's edges fall at ${edges(a.geometry.x)} of the recording's width and ${edges(a.geometry.y)} of its height${a.geometry.x.scale < 0 ? ', mirrored' : ''}`);
  }
  const [best, next] = report.candidates;
  if (report.match) {
    const m = report.match;
    out.push(`named: ${describe(m.candidate)}`);
    out.push(
      `  agrees on ${m.agree} of ${m.of} segments; an unrelated codeword agrees as well with probability ${probability(m.chance)} (${probability(m.falseMatch)} over ${report.candidates.length} candidates)`,
    );
    if (next) out.push(`  next best: ${next.candidate.kind} ${next.candidate.id}, ${next.agree} of ${next.of}`);
  } else if (report.outcome === 'cannot_name') {
    out.push(`  but its marks cannot be read enough to name anyone: ${report.reason}`);
    if (best && report.bitsRead > 0)
      out.push(
        `  closest: ${best.candidate.kind} ${best.candidate.id}, ${best.agree} of ${best.of} (probability ${probability(best.chance)} for an unrelated codeword; naming needs ${probability(FALSE_MATCH_LIMIT)} over all candidates)`,
      );
  }
  process.stdout.write(out.join('\n') + '\n');
  return report.match ? EXIT.ok : EXIT.verifyFailed;
}

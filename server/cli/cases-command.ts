/**
 * `liuhen case …`: keeping cases from the command line, as the operator (CLI_ACTOR), audited like
 * the API. `check` and `verify` exit 0 when all is well and 1 when not, for scripts and cron.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { actionIdSchema, caseNoSchema } from '../cases/case-input.ts';
import type { Finding } from '../cases/findings.ts';
import type { CaseAction } from '../db/schema.ts';
import type { Core } from '../core.ts';
import { CLI_ACTOR } from './actor.ts';
import { EXIT } from './exit-codes.ts';

export const CASE_USAGE = `  liuhen case create --no <caseNo> --unit <unit> --title <title> [--initiated <ISO time>] [--emergency]
  liuhen case member <caseNo> --badge <badgeNo> --role officer|reviewer   reviewers replay the case's recordings;
                                              a reviewer must be an active user with the reviewer role
  liuhen case action <caseNo> --kind <kind> --stage <stage> --at <ISO time> [--officer <badgeNo>] [--place <place>]
                                              kinds: inspection sampling hearing seizure service_by_leaving
                                              service_by_notice restoration summary_procedure inquiry
                                              application_acceptance other; stages: initiation investigation
                                              decision service archive
  liuhen case link <caseNo> <actionId> (--recording <id> | --device <id> --from <ISO time> --to <ISO time>)
                                              a window spans 24 h at most, within an hour of the action
  liuhen case reason <caseNo> <actionId> --reason <code> [--text <text>]
                                              why a mandated recording was not made (004 §13): explosive_area
                                              state_secret trade_secret privacy other (other needs --text)
  liuhen case end <caseNo> [--at <ISO time>]  the act's end: archiving is due 30 days later
  liuhen case archive <caseNo>                freezes the case and writes its signed manifest to the evidence store
  liuhen case check <caseNo> [--json]         what the case lacks by the seeds' rules; exit 0 nothing, 1 findings
  liuhen case verify <caseNo> [--json]        the archived case's manifest signature and recording hashes; exit 0/1
  liuhen case list [--json]
`;

const OPTIONS = {
  json: { type: 'boolean' },
  emergency: { type: 'boolean' },
  no: { type: 'string' },
  unit: { type: 'string' },
  title: { type: 'string' },
  initiated: { type: 'string' },
  badge: { type: 'string' },
  role: { type: 'string' },
  kind: { type: 'string' },
  stage: { type: 'string' },
  at: { type: 'string' },
  officer: { type: 'string' },
  place: { type: 'string' },
  recording: { type: 'string' },
  device: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  reason: { type: 'string' },
  text: { type: 'string' },
} as const;

const caseNoArg = z.string().min(1, 'give a case number').pipe(caseNoSchema);
const actionIdArg = z.string({ required_error: 'give an action id' }).pipe(actionIdSchema);

const print = (value: unknown) => process.stdout.write(JSON.stringify(value, null, 2) + '\n');

const FINDING_WORDS: Record<Finding['kind'], string> = {
  action_unrecorded: 'a mandated action with neither a recording nor a written reason',
  gap_without_reason: 'a gap in a linked recording that nobody has given a reason for',
  recorded_after_action: 'recorded only after the action had begun',
  emergency_approval_late: 'an emergency start not approved within 24 h',
  late_upload: 'a linked recording stored more than 24 h after it ended',
  archive_overdue: 'not archived within 30 days of the end',
};

/** One finding as a line a person reads. */
export function findingLine(f: Finding, actions: Map<string, Pick<CaseAction, 'kind'>>): string {
  const about = [
    f.actionId ? `${actions.get(f.actionId)?.kind ?? 'action'} ${f.actionId}` : null,
    f.recordingId ? `recording ${f.recordingId}${f.gapIdx !== undefined ? ` gap ${f.gapIdx}` : ''}` : null,
    f.officerBadge ? `officer ${f.officerBadge}` : null,
  ].filter((x) => x !== null);
  return `${f.kind}: ${FINDING_WORDS[f.kind]} — ${[...about, `at ${f.at}`].join(', ')} [${f.clauses.join(', ')}]`;
}

export async function caseCommand(core: Core, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const { values: v, positionals } = parseArgs({ args: rest, allowPositionals: true, options: OPTIONS });
  const { cases } = core;
  const by = { actor: CLI_ACTOR };
  const named = () => cases.loadByNo(caseNoArg.parse(positionals[0] ?? ''));

  switch (sub) {
    case 'create': {
      const c = await cases.create({ caseNo: v.no, unit: v.unit, title: v.title, initiatedAt: v.initiated, emergency: v.emergency ?? false }, by);
      process.stdout.write(`case ${c.case_no} created: ${c.id}\n`);
      return EXIT.ok;
    }
    case 'member':
      await cases.addMember(await named(), { badge: v.badge, role: v.role }, by);
      process.stdout.write(`${v.badge} added to case ${positionals[0]} as ${v.role}\n`);
      return EXIT.ok;
    case 'action': {
      const a = await cases.addAction(await named(), { kind: v.kind, stage: v.stage, at: v.at, officerBadge: v.officer, place: v.place }, by);
      process.stdout.write(`action ${a.id} (${a.kind}) added to case ${positionals[0]}\n`);
      return EXIT.ok;
    }
    case 'link': {
      const target = v.recording !== undefined ? { recordingId: v.recording } : { deviceId: v.device, from: v.from, to: v.to };
      const link = await cases.link(await named(), actionIdArg.parse(positionals[1]), target, by);
      process.stdout.write(`link ${link.id} added to action ${positionals[1]}\n`);
      return EXIT.ok;
    }
    case 'reason':
      await cases.setReason(await named(), actionIdArg.parse(positionals[1]), { reason: v.reason, text: v.text }, by);
      process.stdout.write(`reason ${v.reason} written for action ${positionals[1]}\n`);
      return EXIT.ok;
    case 'end':
      await cases.end(await named(), { at: v.at }, by);
      process.stdout.write(`case ${positionals[0]} ended\n`);
      return EXIT.ok;
    case 'archive': {
      const { manifestKey, sha256 } = await cases.archive(await named(), by);
      process.stdout.write(`case ${positionals[0]} archived: ${manifestKey} sha256 ${sha256}\n`);
      return EXIT.ok;
    }
    case 'check': {
      const c = await named();
      const findings = await core.caseCheck.findings(c.id);
      if (v.json) print({ caseId: c.id, caseNo: c.case_no, findings });
      else {
        const actions = new Map((await core.repos.cases.actions(c.id)).map((a) => [a.id, a]));
        process.stdout.write(`case ${c.case_no}: ${findings.length === 0 ? 'nothing missing' : `${findings.length} finding(s)`}\n`);
        for (const f of findings) process.stdout.write(`  ${findingLine(f, actions)}\n`);
      }
      return findings.length === 0 ? EXIT.ok : EXIT.verifyFailed;
    }
    case 'verify': {
      const report = await core.caseManifests.verify(await named());
      if (v.json) print(report);
      else if (report.ok) process.stdout.write(`case ${report.caseNo}: manifest intact — signature valid (key ${report.signingKey}), ${report.recordings} recording manifest(s) match\n`);
      else {
        process.stdout.write(`case ${report.caseNo}: NOT VERIFIED — ${report.problems[0]!.message}\n`);
        for (const p of report.problems.slice(1)) process.stdout.write(`  also: ${p.message}\n`);
      }
      return report.ok ? EXIT.ok : EXIT.verifyFailed;
    }
    case 'list': {
      const listed = await core.caseView.list(null);
      if (v.json) print({ cases: listed });
      else {
        for (const c of listed) {
          const due = c.archivedAt ? `archived ${c.archivedAt}` : c.archiveDeadline ? `archive by ${c.archiveDeadline}${c.archiveOverdue ? ' (OVERDUE)' : ''}` : 'open';
          process.stdout.write(`${c.caseNo}\t${c.unit}\t${c.stage ?? '-'}\t${due}\t${c.findings} finding(s)\t${c.title}\n`);
        }
      }
      return EXIT.ok;
    }
  }
  process.stderr.write(`unknown case command: ${args.join(' ')}\n\n${CASE_USAGE}`);
  return EXIT.badInput;
}

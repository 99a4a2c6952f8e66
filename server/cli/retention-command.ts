/**
 * `liuhen retention plan|run|report|show` and `liuhen recording hold|release`: retention by
 * category from the command line (server/retention). The operator (CLI_ACTOR) acts as a
 * custodian of every unit, as with `liuhen recording share`; every act is audited alike.
 */
import { z } from 'zod';
import { recordingIdSchema } from '../ids.ts';
import type { Core } from '../core.ts';
import type { Holder } from '../retention/legal-hold.ts';
import { EXPIRING_WITHIN_DAYS, GROWTH_DAYS } from '../retention/retention-report.ts';
import { CLI_ACTOR } from './actor.ts';
import { EXIT } from './exit-codes.ts';

export const RETENTION_USAGE = `  liuhen recording hold <recordingId> --reason <text>      a legal hold: kept, in the store too, until released
  liuhen recording release <recordingId> --reason <text>   lifts the hold; the recording's period applies again
  liuhen retention plan [--json]              what expiry would remove now, and the bytes it frees (a dry run)
  liuhen retention run [--json]               extends what cases keep, then expires what is due (liuhen up runs it daily)
  liuhen retention report [--days <n>] [--json]   bytes per unit and category; what expires within ${EXPIRING_WITHIN_DAYS} days;
                                              the bytes sealed each day of the last n days (${GROWTH_DAYS})
  liuhen retention show <recordingId> [--json]   a recording's category, period, hold and expiry
`;

const OPERATOR: Holder = { actor: CLI_ACTOR, mayHold: () => ({ allow: true }) };
const recordingArg = z.string({ required_error: 'give a recording id' }).pipe(recordingIdSchema);

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const out = (line: string) => process.stdout.write(`${line}\n`);

/** `liuhen recording hold|release`; null for another subcommand. */
export async function holdCommand(core: Core, sub: string | undefined, id: string | undefined, reason: string | undefined): Promise<number | null> {
  if (sub !== 'hold' && sub !== 'release') return null;
  const recordingId = recordingArg.parse(id);
  const input = { reason: reason ?? '' };
  const change = await (sub === 'hold' ? core.retention.hold(recordingId, input, OPERATOR) : core.retention.release(recordingId, input, OPERATOR));
  out(`recording ${change.recordingId}: legal hold ${change.held ? 'placed' : 'lifted'} on ${change.objects} objects (${change.reason})`);
  return EXIT.ok;
}

/** `days`: the days of growth `report` shows (--days), GROWTH_DAYS if not given. */
export async function retentionCommand(core: Core, sub: string | undefined, id: string | undefined, json: boolean, days?: number): Promise<number | null> {
  const { retention } = core;
  const print = (doc: unknown, text: () => void) => (json ? out(JSON.stringify(doc, null, 2)) : text());
  switch (sub) {
    case 'plan': {
      const plan = await retention.plan();
      print(plan, () => {
        out(`${plan.due.length} recordings would expire now, freeing ${mib(plan.bytes)} (${plan.bytes} bytes)`);
        for (const e of plan.due) out(`  ${e.recordingId}\t${e.unit}\trule ${e.rule}, period ended ${e.periodEndedAt}\t${e.objects.length} objects\t${mib(e.bytes)}`);
        for (const w of plan.waiting)
          out(`  waiting ${w.recordingId}\t${w.unit}\tperiod ended ${w.periodEndedAt}, ${w.heldInStore ? 'held in the store' : `locked in the store until ${w.lockedUntil}`}`);
      });
      return EXIT.ok;
    }
    case 'run': {
      const run = await retention.run({ actor: CLI_ACTOR });
      print(run, () => {
        out(`${run.extended.length} recordings of cases extended`);
        for (const x of run.extended) out(`  extended ${x.recordingId} until ${x.until} (${x.objects} objects)`);
        for (const e of run.expiries) out(`  ${e.outcome} ${e.recordingId}${e.outcome === 'expired' ? ` (${e.objects} objects, ${mib(e.bytes)})` : `: ${e.reason}`}`);
      });
      return run.expiries.some((e) => e.outcome === 'failed') ? EXIT.failure : EXIT.ok;
    }
    case 'report': {
      const report = await retention.report(null, days);
      print(report, () => {
        out('unit\tcategory\trecordings\tbytes');
        for (const r of report.rows) out(`${r.unit}\t${r.category}\t${r.recordings}\t${r.bytes} (${mib(r.bytes)})`);
        out(`expiring within ${EXPIRING_WITHIN_DAYS} days:`);
        for (const e of report.expiring) out(`  ${e.unit}\t${e.recordings} recordings\t${e.bytes} bytes (${mib(e.bytes)})`);
        const { days: shown, units } = report.growth;
        out('sealed per day (Beijing time), bytes per unit:');
        out(`  day\t${units.map((u) => u.unit).join('\t')}`);
        shown.forEach((day, i) => out(`  ${day}\t${units.map((u) => u.bytes[i]).join('\t')}`));
      });
      return EXIT.ok;
    }
    case 'show': {
      const view = await retention.of(recordingArg.parse(id));
      print(view, () => {
        out(`recording ${view.recordingId}: ${view.state}, category ${view.category}, kept until ${view.keptUntil ?? (view.category === 'hold' ? 'the hold is lifted' : 'not yet dated')}`);
        if (view.hold) out(`  held by ${view.hold.by} since ${view.hold.at}: ${view.hold.reason}`);
        if (view.expiry)
          out(`  expired under rule ${view.expiry.rule} on ${view.expiry.startedAt} (period ended ${view.expiry.periodEndedAt}; ${view.expiry.objects} objects, ${view.expiry.bytes} bytes)`);
      });
      return EXIT.ok;
    }
  }
  return null;
}

import { auditEventView } from '../audit/audit-event-view.ts';
import type { Core } from '../core.ts';
import { EXIT } from './exit-codes.ts';

export async function auditQuery(core: Core, filter: { viewer?: string; recording?: string; since?: string }, json: boolean): Promise<number> {
  const events = await core.audit.query({ actor: filter.viewer ? `user:${filter.viewer}` : undefined, subject: filter.recording, since: filter.since });
  // The same document as GET /api/audit answers, so a script reads either.
  if (json) process.stdout.write(JSON.stringify({ events: events.map(auditEventView) }, null, 2) + '\n');
  else
    for (const e of events)
      process.stdout.write([e.seq, e.at, e.actor, e.action, e.subject ?? '-', e.outcome, e.session_id ?? '-', e.object ?? '-', e.bytes ?? '-', e.address ?? '-', e.detail].join('\t') + '\n');
  return EXIT.ok;
}

export async function auditVerify(core: Core, json: boolean): Promise<number> {
  const report = await core.auditVerification.check();
  if (json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  else if (report.ok) process.stdout.write(`audit log intact — ${report.events} events, ${report.checkpointsChecked} checkpoints\n`);
  else {
    const [first, ...rest] = report.problems;
    process.stdout.write(`audit log BROKEN at event ${first!.seq} — ${first!.message}\n`);
    for (const p of rest) process.stdout.write(`  also: ${p.message}\n`);
  }
  return report.ok ? EXIT.ok : EXIT.verifyFailed;
}

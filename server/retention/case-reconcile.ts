/**
 * What the link hooks cannot see, the daily run catches up on: a recording that joined a case by
 * a device window after the link was made (an upload the next day), a link whose extension failed
 * (audited then), a recording of an archived case not yet locked from the archiving, and objects
 * made since a case's recording was last extended (marked variants, renditions, later segments).
 */
import { linkedToAnyCase } from '../cases/case-links.ts';
import type { Requester } from '../exports/export-requests.ts';
import { type KeepingDeps, nowOf } from './retention-deps.ts';
import { type Extension, extendRecording } from './retention-extension.ts';
import { caseLockDate } from './retention-rules.ts';

export async function reconcileCaseLocks(d: KeepingDeps, by: Requester): Promise<Extension[]> {
  const now = nowOf(d);
  const linked = await d.db
    .selectFrom('recordings')
    .leftJoin('recording_retention', 'recording_retention.recording_id', 'recordings.id')
    .select(['recordings.id', 'recordings.ended_at', 'recording_retention.category', 'recording_retention.retain_until', 'recording_retention.extended_at'])
    .select((eb) => [
      eb.selectFrom('derivatives').select((x) => x.fn.max('created_at').as('m')).where('derivatives.recording_id', '=', eb.ref('recordings.id')).as('derived_at'),
      eb.selectFrom('exports').select((x) => x.fn.max('created_at').as('m')).where('exports.recording_id', '=', eb.ref('recordings.id')).as('exported_at'),
      eb
        .selectFrom('case_archived_links')
        .innerJoin('cases', 'cases.id', 'case_archived_links.case_id')
        .select((x) => x.fn.max('cases.archived_at').as('m'))
        .where('case_archived_links.recording_id', '=', eb.ref('recordings.id'))
        .as('archived_at'),
    ])
    .where((eb) => linkedToAnyCase(eb))
    .where('recordings.id', 'not in', (eb) => eb.selectFrom('recording_expiries').select('recording_id').where('completed_at', 'is not', null))
    .execute();

  const done: Extension[] = [];
  for (const r of linked) {
    const archived = r.archived_at ? caseLockDate(r.archived_at, now, d.periods.caseMs) : null;
    const since = r.extended_at ?? '';
    const stale =
      r.category !== 'case' ||
      r.retain_until === null ||
      (archived !== null && Date.parse(r.retain_until) < archived.getTime()) ||
      r.ended_at === null || r.ended_at > since || (r.derived_at ?? '') > since || (r.exported_at ?? '') > since;
    if (!stale) continue;
    const until = archived ?? caseLockDate(null, now, d.periods.caseMs);
    done.push(await extendRecording(d, r.id, until, 'case', by, { on: 'reconcile' }));
  }
  return done;
}

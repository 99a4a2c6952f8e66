/**
 * What the link hooks cannot see, the daily run catches up on: a recording that joined a case by
 * a device window after the link was made (an upload the next day), a link whose extension failed
 * (audited then), a recording of an archived case not yet locked from the archiving, and objects
 * made since a case's recording was last extended (marked variants, renditions, later segments).
 */
import type { Requester } from '../exports/export-requests.ts';
import type { KeepingDeps } from './retention-deps.ts';
import { type Extension, extendRecording } from './retention-extension.ts';
import { caseLockDate } from './retention-rules.ts';

export async function reconcileCaseLocks(d: KeepingDeps, by: Requester): Promise<Extension[]> {
  const now = d.clock.now();
  const linked = await d.repos.retention.caseLinkedRecordings();

  const done: Extension[] = [];
  for (const r of linked) {
    const archived = r.archived_at ? caseLockDate(r.archived_at, now, d.periods.caseMs) : null;
    const since = r.extended_at ?? '';
    const stale =
      r.category !== 'case' ||
      r.retain_until === null ||
      (archived !== null && Date.parse(r.retain_until) < archived.getTime()) ||
      r.ended_at === null ||
      r.ended_at > since ||
      (r.derived_at ?? '') > since ||
      (r.exported_at ?? '') > since;
    if (!stale) continue;
    const until = archived ?? caseLockDate(null, now, d.periods.caseMs);
    done.push(await extendRecording(d, r.id, until, 'case', by, { on: 'reconcile' }));
  }
  return done;
}

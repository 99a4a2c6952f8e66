/**
 * The store follows the cases: when a case links a recording, every object of the recording is
 * locked for the archive period from now; when the case is archived, from the archiving. Called
 * by CaseService after the link or the archiving is committed. A failure here leaves the link
 * standing (a link is never undone for a store outage): it is audited, and the daily retention
 * run extends whatever a case links and is not yet extended (`reconcile`).
 */
import type { Requester } from '../exports/export-requests.ts';
import { keepPublicKey } from './public-key.ts';
import { RecordingObjects } from './recording-objects.ts';
import type { KeepingDeps, RetentionDeps } from './retention-deps.ts';
import { type Extension, RetentionExtension } from './retention-extension.ts';
import { caseLockDate } from './retention-rules.ts';

export class CaseRetention {
  private readonly extension: RetentionExtension;

  constructor(private readonly d: KeepingDeps & Pick<RetentionDeps, 'signingKey'>) {
    this.extension = new RetentionExtension(d, new RecordingObjects(d.repos.retention, d.store));
  }

  async linked(caseId: string, by: Requester): Promise<void> {
    const { d } = this;
    const recordings = new Set((await d.repos.cases.liveLinks(caseId)).map((l) => l.recordingId));
    const until = caseLockDate(null, d.clock.now(), d.periods.caseMs);
    // Already kept by a case: a later link of an open case gives no later date; the archiving does.
    if (recordings.size > 0) {
      for (const id of await d.repos.retention.keptByCase([...recordings])) recordings.delete(id);
    }
    await this.extendEach([...recordings], until, by, { caseId, on: 'link' });
  }

  /** Also the public key that verifies the case's manifest and its recordings' (public-key.ts). */
  async archived(caseId: string, archivedAt: string, by: Requester): Promise<void> {
    const { d } = this;
    const recordings = [...new Set((await d.repos.cases.frozenLinks(caseId)).map((l) => l.recordingId))];
    const until = caseLockDate(archivedAt, d.clock.now(), d.periods.caseMs);
    await keepPublicKey(d, until).catch((e) =>
      d.audit.record({
        actor: by.actor,
        action: 'retention.extend',
        subject: caseId,
        outcome: 'error',
        address: by.address,
        userAgent: by.userAgent,
        detail: { on: 'archive', publicKey: d.signingKey.fingerprint, error: String(e) },
      }),
    );
    await this.extendEach(recordings, until, by, { caseId, on: 'archive' });
  }

  /**
   * What the link hooks cannot see, the daily run catches up on: a recording that joined a case by
   * a device window after the link was made (an upload the next day), a link whose extension failed
   * (audited then), a recording of an archived case not yet locked from the archiving, and objects
   * made since a case's recording was last extended (marked variants, renditions, later segments).
   */
  async reconcile(by: Requester): Promise<Extension[]> {
    const { d } = this;
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
      done.push(await this.extension.extend(r.id, until, 'case', by, { on: 'reconcile' }));
    }
    return done;
  }

  private async extendEach(recordingIds: string[], until: Date, by: Requester, cause: Record<string, unknown>): Promise<void> {
    for (const id of recordingIds) {
      try {
        await this.extension.extend(id, until, 'case', by, cause);
      } catch (e) {
        await this.d.audit.record({
          actor: by.actor,
          action: 'retention.extend',
          subject: id,
          outcome: 'error',
          address: by.address,
          userAgent: by.userAgent,
          detail: { ...cause, until: until.toISOString(), error: String(e) },
        });
      }
    }
  }
}

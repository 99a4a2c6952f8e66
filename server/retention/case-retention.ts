/**
 * The store follows the cases: when a case links a recording, every object of the recording is
 * locked for the archive period from now; when the case is archived, from the archiving. Called
 * by CaseService after the link or the archiving is committed. A failure here leaves the link
 * standing (a link is never undone for a store outage): it is audited, and the daily retention
 * run extends whatever a case links and is not yet extended (retention-run.ts).
 */
import type { Requester } from '../exports/export-requests.ts';
import { keepPublicKey } from './public-key.ts';
import type { KeepingDeps, RetentionDeps } from './retention-deps.ts';
import { extendRecording } from './retention-extension.ts';
import { caseLockDate } from './retention-rules.ts';

export async function caseLinked(d: KeepingDeps, caseId: string, by: Requester): Promise<void> {
  const recordings = new Set((await d.repos.cases.liveLinks(caseId)).map((l) => l.recordingId));
  const until = caseLockDate(null, d.clock.now(), d.periods.caseMs);
  // Already kept by a case: a later link of an open case gives no later date; the archiving does.
  if (recordings.size > 0) {
    for (const id of await d.repos.retention.keptByCase([...recordings])) recordings.delete(id);
  }
  await extendEach(d, [...recordings], until, by, { caseId, on: 'link' });
}

/** Also the public key that verifies the case's manifest and its recordings' (public-key.ts). */
export async function caseArchived(d: KeepingDeps & Pick<RetentionDeps, 'signingKey'>, caseId: string, archivedAt: string, by: Requester): Promise<void> {
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
  await extendEach(d, recordings, until, by, { caseId, on: 'archive' });
}

async function extendEach(d: KeepingDeps, recordingIds: string[], until: Date, by: Requester, cause: Record<string, unknown>): Promise<void> {
  for (const id of recordingIds) {
    try {
      await extendRecording(d, id, until, 'case', by, cause);
    } catch (e) {
      await d.audit.record({
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

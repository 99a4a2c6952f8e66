/**
 * A party's copy under an approved copy request (000 §21, 001 §36): the watermarked party copy the
 * workers make (workers/export-party-copy.ts), addressed to the party by name, numbered with the
 * request's id, and made from the approved redaction for a labelled recording. The party may ask
 * for it and download it only while the approval's window is open, the recording keeps the label
 * it had when the head decided, and only their own.
 */
import type { Clock } from '../clock.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { Viewer } from '../auth/user-registry.ts';
import type { PartyRepository } from '../db/party-repository.ts';
import type { Repositories } from '../db/repositories.ts';
import type { Export, PartyRequest } from '../db/schema.ts';
import { createExport, type Requester } from '../exports/export-requests.ts';
import { isTheParty, mayCopy } from '../policy/party-policy.ts';
import type { Decision } from '../policy/policy.ts';
import { approvedScope } from './approved-scope.ts';

/** Whether the party may have a copy of the recording under the request now, and the redaction it would be made from. */
export async function copyDecision(parties: PartyRepository, party: Viewer, request: PartyRequest, recordingId: string, now: Date): Promise<{ decision: Decision; redactionId: string | null }> {
  const own = isTheParty(party, { unit: request.unit, partyUserId: request.party_user_id });
  if (!own.allow) return { decision: own, redactionId: null };
  const scope = await approvedScope(parties, request.id, recordingId);
  const decision = mayCopy(
    {
      state: request.state,
      windowFrom: request.window_from,
      windowUntil: request.window_until,
      kind: request.kind,
      copyAllowed: request.copy_allowed === 1,
      ...scope,
    },
    now,
  );
  return { decision, redactionId: scope.redactionId };
}

/** A party's download of an export: only a party copy of their own approved request, inside its window. */
export async function partyDownloadDecision(parties: PartyRepository, party: Viewer, exp: Export, now: Date): Promise<Decision> {
  if (exp.kind !== 'party_copy' || exp.request_id === null) return { allow: false, reason: 'not a copy made for a party request' };
  const request = await parties.requestOf(exp.request_id);
  const { decision, redactionId } = await copyDecision(parties, party, request, exp.recording_id, now);
  // A copy made before its scope changed is not what the approval now allows.
  if (decision.allow && redactionId !== exp.redaction_id) return { allow: false, reason: 'copy not made from the approved redaction' };
  return decision;
}

/** The party's copy; the caller has checked copyDecision (and audited a refusal). */
export async function createPartyCopy(
  deps: { repos: Pick<Repositories, 'recordings' | 'exports'>; audit: AuditLog; clock: Clock },
  party: Viewer,
  request: PartyRequest,
  recordingId: string,
  redactionId: string | null,
  by: Requester,
) {
  const recording = await deps.repos.recordings.get(recordingId);
  return createExport({ exports: deps.repos.exports, audit: deps.audit, clock: deps.clock }, recording, { kind: 'party_copy', recipient: party.name, approvalNo: request.id }, by, {
    requestId: request.id,
    redactionId,
  });
}

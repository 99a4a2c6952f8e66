import type { PartyRepository } from '../db/party-repository.ts';
import type { ScopedRecordingFacts } from '../policy/party-policy.ts';

/** What the head's decision says of one recording of a request, with the recording's label now: the facts room play and copies are judged on. */
export async function approvedScope(parties: PartyRepository, requestId: string, recordingId: string): Promise<ScopedRecordingFacts> {
  const scope = await parties.scopeOf(requestId, recordingId);
  return {
    approved: scope?.approved === 1,
    redactionId: scope?.redaction_id ?? null,
    confidentiality: scope?.confidentiality ?? null,
    confidentialityAtDecision: scope?.confidentiality_at_decision ?? null,
  };
}

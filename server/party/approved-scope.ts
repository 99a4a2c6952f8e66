import type { PartyRepository } from '../db/party-repository.ts';
import type { ScopedRecordingFacts } from '../policy/party-policy.ts';

type ScopeRow = Awaited<ReturnType<PartyRepository['scopeOf']>>;

/** What the head's decision says of one recording of a request (`PartyRepository.scopeOf`), with the recording's label now: the facts room play and copies are judged on. */
export function approvedScope(scope: ScopeRow): ScopedRecordingFacts {
  return {
    approved: scope?.approved === 1,
    redactionId: scope?.redaction_id ?? null,
    confidentiality: scope?.confidentiality ?? null,
    confidentialityAtDecision: scope?.confidentiality_at_decision ?? null,
  };
}

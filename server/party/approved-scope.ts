import type { Db } from '../db/database.ts';
import type { ScopedRecordingFacts } from '../policy/party-policy.ts';

/** What the head's decision says of one recording of a request, with the recording's label now: the facts room play and copies are judged on. */
export async function approvedScope(db: Db, requestId: string, recordingId: string): Promise<ScopedRecordingFacts> {
  const scope = await db
    .selectFrom('party_request_recordings').innerJoin('recordings', 'recordings.id', 'party_request_recordings.recording_id')
    .select(['party_request_recordings.approved', 'party_request_recordings.redaction_id', 'party_request_recordings.confidentiality_at_decision', 'recordings.confidentiality'])
    .where('request_id', '=', requestId).where('recording_id', '=', recordingId).executeTakeFirst();
  return {
    approved: scope?.approved === 1, redactionId: scope?.redaction_id ?? null,
    confidentiality: scope?.confidentiality ?? null, confidentialityAtDecision: scope?.confidentiality_at_decision ?? null,
  };
}

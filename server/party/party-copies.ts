/**
 * A party's copy under an approved copy request (000 §21, 001 §36): the watermarked party copy the
 * workers make (workers/export-party-copy.ts), addressed to the party by name, numbered with the
 * request's id, and made from the approved redaction for a labelled recording. The party may ask
 * for it and download it only while the approval's window is open, the recording keeps the label
 * it had when the head decided, and only their own.
 */
import type { Clock } from '../clock.ts';
import type { Viewer } from '../auth/user-registry.ts';
import type { PartyRepository } from '../db/party-repository.ts';
import type { RecordingRepository } from '../db/recording-repository.ts';
import type { Export, PartyRequest } from '../db/schema.ts';
import type { ExportRequests, Requester } from '../exports/export-requests.ts';
import { isTheParty, mayCopy } from '../policy/party-policy.ts';
import type { Decision } from '../policy/policy.ts';
import { approvedScope } from './approved-scope.ts';

/** Party copies: whether one may be had or downloaded, and asking for one. */
export class PartyCopies {
  constructor(
    private readonly parties: PartyRepository,
    private readonly recordings: RecordingRepository,
    private readonly exports: ExportRequests,
    private readonly clock: Clock,
  ) {}

  /** Whether the party may have a copy of the recording under the request now, and the redaction it would be made from. */
  async decision(party: Viewer, request: PartyRequest, recordingId: string): Promise<{ decision: Decision; redactionId: string | null }> {
    const own = isTheParty(party, { unit: request.unit, partyUserId: request.party_user_id });
    if (!own.allow) return { decision: own, redactionId: null };
    const scope = approvedScope(await this.parties.scopeOf(request.id, recordingId));
    const decision = mayCopy(
      {
        state: request.state,
        windowFrom: request.window_from,
        windowUntil: request.window_until,
        kind: request.kind,
        copyAllowed: request.copy_allowed === 1,
        ...scope,
      },
      this.clock.now(),
    );
    return { decision, redactionId: scope.redactionId };
  }

  /** A party's download of an export: only a party copy of their own approved request, inside its window. */
  async downloadDecision(party: Viewer, exp: Export): Promise<Decision> {
    if (exp.kind !== 'party_copy' || exp.request_id === null) return { allow: false, reason: 'not a copy made for a party request' };
    const request = await this.parties.requestOf(exp.request_id);
    const { decision, redactionId } = await this.decision(party, request, exp.recording_id);
    // A copy made before its scope changed is not what the approval now allows.
    if (decision.allow && redactionId !== exp.redaction_id) return { allow: false, reason: 'copy not made from the approved redaction' };
    return decision;
  }

  /** The party's copy; the caller has checked `decision` (and audited a refusal). */
  async create(party: Viewer, request: PartyRequest, recordingId: string, redactionId: string | null, by: Requester) {
    const recording = await this.recordings.get(recordingId);
    return this.exports.create(recording, { kind: 'party_copy', recipient: party.name, approvalNo: request.id }, by, {
      requestId: request.id,
      redactionId,
    });
  }
}

/**
 * Party requests and rooms as the API shows them. A party is not shown the confidentiality labels
 * of what they asked for, only whether they will see a redaction; staff and the agency head see
 * the labels and, for deciding, the ready redactions of each recording.
 */
import type { Viewer } from '../auth/user-registry.ts';
import type { PartyRepository } from '../db/party-repository.ts';
import type { PartyRequest, ViewingRoom } from '../db/schema.ts';
import type { Viewings } from './viewing-rooms.ts';

/** When and how often a party may view, and how much of it is used. */
const allowanceOf = (r: PartyRequest, viewings: Viewings) => ({
  windowFrom: r.window_from,
  windowUntil: r.window_until,
  maxViewings: r.max_viewings,
  viewingsUsed: viewings.used,
  viewingsLeft: Math.max(0, (r.max_viewings ?? 0) - viewings.used),
});

/** Party requests and rooms as the API shows them, with the people and recordings they name. */
export class PartyPresentation {
  constructor(private readonly parties: PartyRepository) {}

  async request(r: PartyRequest, viewer: Viewer, viewings: Viewings) {
    const staff = viewer.role !== 'party';
    const scope = await this.parties.recordingsAsked(r.id);
    const ready = staff && r.state === 'pending' ? await this.parties.readyRedactions(scope.map((s) => s.id)) : [];
    const [activeRoom] = await this.parties.activeRoomsOf(r.id);
    const copies = await this.parties.copiesOf(r.id);
    return {
      requestId: r.id,
      kind: r.kind,
      state: r.state,
      unit: r.unit,
      caseId: r.case_id,
      reason: r.reason,
      party: await this.personOf(r.party_user_id),
      requestedBy: r.requested_by,
      createdAt: r.created_at,
      decidedBy: r.decided_by,
      decidedAt: r.decided_at,
      decisionNote: r.decision_note,
      ...allowanceOf(r, viewings),
      copyAllowed: r.copy_allowed === null ? null : r.copy_allowed === 1,
      activeRoom: activeRoom ? { roomId: activeRoom.id, state: activeRoom.state } : null,
      recordings: scope.map((s) => ({
        recordingId: s.id,
        deviceName: s.device_name,
        startedAt: s.started_at,
        durationMs: s.duration_ms,
        closed: s.state === 'closed',
        approved: s.approved === null ? null : s.approved === 1,
        redacted: s.redaction_id !== null,
        ...(staff
          ? {
              confidentiality: s.confidentiality,
              redactionId: s.redaction_id,
              readyRedactions: ready.filter((x) => x.recording_id === s.id).map((x) => ({ redactionId: x.id, createdAt: x.created_at })),
            }
          : {}),
      })),
      copies: copies.map((c) => ({ exportId: c.id, recordingId: c.recording_id, ready: c.object_key !== null, createdAt: c.created_at })),
    };
  }

  async room(room: ViewingRoom, r: PartyRequest, viewings: Viewings) {
    const scope = await this.parties.recordingsAsked(r.id);
    return {
      roomId: room.id,
      requestId: r.id,
      kind: r.kind,
      state: room.state,
      createdAt: room.created_at,
      openedAt: room.opened_at,
      endedAt: room.ended_at,
      endReason: room.end_reason,
      party: await this.personOf(r.party_user_id),
      supervisor: await this.personOf(room.supervisor_id),
      ...allowanceOf(r, viewings),
      recordings: scope
        .filter((s) => s.approved === 1)
        .map((s) => ({ recordingId: s.id, deviceName: s.device_name, startedAt: s.started_at, durationMs: s.duration_ms, redacted: s.redaction_id !== null })),
    };
  }

  private async personOf(userId: string | null) {
    if (userId === null) return null;
    const u = await this.parties.person(userId);
    return u ? { userId, name: u.name, badge: u.badge } : null;
  }
}

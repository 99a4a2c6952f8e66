/**
 * The supervised viewing room (004 §18: 调阅监督): made for an approved request inside its window,
 * one at a time (held by the database: two made at once would each become a viewing), it waits
 * until a custodian joins — only then does it open, and only an opened room counts as a viewing —
 * and the supervisor may pause, resume or end it. It ends by itself at the window's end:
 * every read of a room first ends it if that time has passed, so no caller ever sees an expired
 * room as open. Each step is audited with the request as subject and the room in the detail.
 */
import type { AuditLog } from '../audit/audit-log.ts';
import type { Repositories } from '../db/repositories.ts';
import { ACTIVE_ROOM_STATES, PartyRepository } from '../db/party-repository.ts';
import type { PartyRequest, RoomState, ViewingRoom } from '../db/schema.ts';
import { markAudited, NotFound, StateConflict } from '../errors.ts';
import type { Requester } from '../exports/export-requests.ts';
import { idSchema, newId } from '../ids.ts';
import { mayPlayInRoom, roomCreateProblem } from '../policy/party-policy.ts';
import type { Decision } from '../policy/policy.ts';
import { approvedScope } from './approved-scope.ts';
import { type Clock, systemClock } from '../clock.ts';

export const roomIdSchema = idSchema('room');
/** Who ends a room at its window's end. */
export const SYSTEM_ACTOR = 'system:room-expiry';

export interface Viewings {
  /** rooms a supervisor opened */
  used: number;
  /** rooms waiting, open or paused */
  active: number;
}

type Step = 'join' | 'pause' | 'resume' | 'end';
/** Each supervisor step: the states it starts from and the state it leads to. */
const STEPS: Record<Step, { from: readonly RoomState[]; to: RoomState }> = {
  join: { from: ['waiting'], to: 'open' },
  pause: { from: ['open'], to: 'paused' },
  resume: { from: ['paused'], to: 'open' },
  end: { from: ACTIVE_ROOM_STATES, to: 'ended' },
};

export class ViewingRooms {
  private readonly parties: PartyRepository;

  constructor(
    repos: Repositories,
    private readonly audit: AuditLog,
    private readonly clock: Clock = systemClock,
  ) {
    this.parties = repos.party;
  }

  /** The room and its request, the room ended first if its window has closed. */
  async load(roomId: string): Promise<{ room: ViewingRoom; request: PartyRequest }> {
    const room = await this.parties.findRoom(roomId);
    if (!room) throw new NotFound('room', roomId);
    const request = await this.parties.requestOf(room.request_id);
    return { room: await this.expireIfDue(room, request), request };
  }

  async viewings(requestId: string): Promise<Viewings> {
    const rows = await this.parties.roomsOf(requestId);
    return { used: rows.filter((r) => r.opened_at !== null).length, active: rows.filter((r) => ACTIVE_ROOM_STATES.includes(r.state)).length };
  }

  /** Rooms of the unit in the given states, newest first, each expired first if due. */
  async list(unit: string, states: readonly RoomState[]): Promise<{ room: ViewingRoom; request: PartyRequest }[]> {
    // Active rooms are read too: one whose window closed is ended now and may be asked for as ended.
    const rows = await this.parties.roomsOfUnit(unit, [...new Set([...ACTIVE_ROOM_STATES, ...states])]);
    const requests = await this.requestsById(rows.map((r) => r.request_id));
    const found = await Promise.all(rows.map(async (room) => ({ room: await this.expireIfDue(room, requests.get(room.request_id)!), request: requests.get(room.request_id)! })));
    return found.filter((f) => states.includes(f.room.state));
  }

  async create(request: PartyRequest, by: Requester): Promise<ViewingRoom> {
    const audited = { actor: by.actor, action: 'room.create' as const, subject: request.id, address: by.address, userAgent: by.userAgent };
    await this.expireRoomsOf(request);
    const problem = roomCreateProblem(
      {
        state: request.state,
        windowFrom: request.window_from,
        windowUntil: request.window_until,
        maxViewings: request.max_viewings,
        ...(await this.viewingsAsFacts(request.id)),
      },
      this.clock.now(),
    );
    const refuse = async (code: string) => {
      await this.audit.record({ ...audited, outcome: 'refused', detail: { reason: code } });
      return markAudited(new StateConflict(code, `no room for request ${request.id}: ${code}`));
    };
    if (problem) throw await refuse(problem);
    const room: ViewingRoom = {
      id: newId('room', this.clock.now()),
      request_id: request.id,
      state: 'waiting',
      supervisor_id: null,
      created_by: by.actor,
      created_at: this.clock.now().toISOString(),
      opened_at: null,
      ended_at: null,
      end_reason: null,
    };
    // Two rooms asked for at once both found none active: the database keeps the first.
    if (!(await this.parties.addRoom(room))) throw await refuse('room_active');
    await this.audit.record({ ...audited, outcome: 'ok', detail: { roomId: room.id } });
    return room;
  }

  /**
   * A supervisor's step. Joining opens the room and spends one viewing, so it is refused when the
   * count is used or the window closed; `supervisorId` is recorded on join.
   */
  async step(step: Step, roomId: string, supervisorId: string, by: Requester): Promise<ViewingRoom> {
    const { room, request } = await this.load(roomId);
    const audited = { actor: by.actor, action: `room.${step}` as const, subject: request.id, address: by.address, userAgent: by.userAgent };
    const refuse = async (code: string) => {
      await this.audit.record({ ...audited, outcome: 'refused', detail: { roomId, reason: code, state: room.state } });
      return markAudited(new StateConflict(code, `room ${roomId} is ${room.state}: ${code}`));
    };
    const { from, to } = STEPS[step];
    if (!from.includes(room.state)) throw await refuse(room.state === 'ended' ? 'room_ended' : `room_${room.state}`);
    if (step === 'join') {
      const viewings = await this.viewings(request.id);
      if (viewings.used >= (request.max_viewings ?? 0)) throw await refuse('viewings_used');
    }
    const at = this.clock.now().toISOString();
    const set: Partial<ViewingRoom> = { state: to };
    if (step === 'join') Object.assign(set, { supervisor_id: supervisorId, opened_at: at });
    if (step === 'end') Object.assign(set, { ended_at: at, end_reason: 'supervisor' });
    // Another supervisor's step came first.
    if (!(await this.parties.changeRoom(roomId, room.state, set))) throw await refuse('room_changed');
    await this.audit.record({ ...audited, outcome: 'ok', detail: step === 'end' ? { roomId, reason: 'supervisor' } : { roomId } });
    return { ...room, ...set };
  }

  /**
   * Whether the room may serve the recording to the user now, and as which redaction. Asked on
   * every playlist and segment request of a room's session, and when the session is made.
   */
  async playDecision(roomId: string, recordingId: string, userId: string): Promise<{ decision: Decision; redactionId: string | null; windowUntil: string | null }> {
    const found = await this.load(roomId).catch((e: unknown) => {
      if (e instanceof NotFound) return undefined;
      throw e;
    });
    if (!found) return { decision: { allow: false, reason: 'no such room' }, redactionId: null, windowUntil: null };
    const { room, request } = found;
    if (request.party_user_id !== userId) return { decision: { allow: false, reason: 'another party’s room' }, redactionId: null, windowUntil: null };
    const scope = approvedScope(await this.parties.scopeOf(request.id, recordingId));
    const decision = mayPlayInRoom({ state: request.state, windowFrom: request.window_from, windowUntil: request.window_until, roomState: room.state, ...scope }, this.clock.now());
    return { decision, redactionId: scope.redactionId, windowUntil: request.window_until };
  }

  /**
   * Ends every active room whose window has closed, whoever looks: the room's end is in the audit
   * log at its expiry even when neither the party nor the supervisor opens it again.
   */
  async sweep(): Promise<void> {
    const requests = await this.requestsById(await this.parties.requestsWithRoomsDue(this.clock.now().toISOString()));
    for (const request of requests.values()) await this.expireRoomsOf(request);
  }

  /** Ends every active room of the request whose window has closed. */
  private async expireRoomsOf(request: PartyRequest): Promise<void> {
    const rooms = await this.parties.activeRoomsOf(request.id);
    for (const room of rooms) await this.expireIfDue(room, request);
  }

  private async expireIfDue(room: ViewingRoom, request: PartyRequest): Promise<ViewingRoom> {
    if (!ACTIVE_ROOM_STATES.includes(room.state) || request.window_until === null || this.clock.now().getTime() < Date.parse(request.window_until)) return room;
    const ended = { state: 'ended' as const, ended_at: request.window_until, end_reason: 'expired' as const };
    if (await this.parties.changeRoom(room.id, room.state, ended)) {
      await this.audit.record({ actor: SYSTEM_ACTOR, action: 'room.end', subject: request.id, outcome: 'ok', detail: { roomId: room.id, reason: 'expired' } });
      return { ...room, ...ended };
    }
    // Someone else ended it just now.
    return this.parties.roomNow(room.id);
  }

  private async viewingsAsFacts(requestId: string) {
    const v = await this.viewings(requestId);
    return { activeRooms: v.active, viewingsUsed: v.used };
  }

  private async requestsById(ids: string[]): Promise<Map<string, PartyRequest>> {
    if (ids.length === 0) return new Map();
    const rows = await this.parties.requests(ids);
    return new Map(rows.map((r) => [r.id, r]));
  }
}

/**
 * Parties' view and copy requests, the agency head's decision, and the supervised viewing room
 * (000 §21–22, 001 §36–37, 004 §18). Who may act is party-policy.ts; every refusal is audited
 * where it is decided, every act by the module that performs it. Any custodian of the unit may
 * supervise a room — join, pause, resume, end — so a room is never left without one who can end it.
 */
import type { AuditAction } from '../audit/audit-actions.ts';
import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import type { Viewer } from '../auth/user-registry.ts';
import { markAudited, NotAllowed, UserNotFound, wasAudited } from '../errors.ts';
import { decisionSchema, newPartyRequestSchema, partyRequestIdSchema } from '../party/party-requests.ts';
import { roomIdSchema } from '../party/viewing-rooms.ts';
import { isTheParty, mayDecide, mayMakeRoom, mayRequest, maySeeRequest, maySeeRoom, maySupervise, TOLD_REFUSALS } from '../policy/party-policy.ts';
import { contract } from './api-contract.ts';
import type { ApiDeps } from './api-deps.ts';
import { authOf, enforce, requireAuth } from './authenticate.ts';
import { statusFor } from './error-status.ts';
import { exportCreatedSchema } from './export-routes.ts';
import { partyRequestSchema, roomSchema } from './party-responses.ts';
import { playbackSessionSchema } from './playback-routes.ts';
import { contextOf } from './request-context.ts';
import { recordingIdSchema } from '../ids.ts';

const requestParam = z.object({ id: partyRequestIdSchema });
const roomParam = z.object({ id: roomIdSchema });
const recordingBody = z.object({ recordingId: recordingIdSchema }).strict();
const REQUEST_STATES = ['pending', 'approved', 'refused'] as const;
const ROOM_STATES = ['waiting', 'open', 'paused', 'ended'] as const;
const listQuery = z.object({ state: z.enum(REQUEST_STATES).optional() });
/** `?state=waiting,open`: the states to list, the active ones by default. */
const roomsQuery = z.object({
  state: z
    .string()
    .max(100)
    .default('waiting,open,paused')
    .transform((v) => v.split(','))
    .pipe(z.array(z.enum(ROOM_STATES)).min(1)),
});
const STEPS = ['join', 'pause', 'resume', 'end'] as const;

/**
 * A party's play or copy refused for a reason they may be told (TOLD_REFUSALS: their approval's,
 * their room's or the label's state) is answered 403 forbidden as any refusal, with the reason
 * added for their page to say in words; the shared error handler writes only the code. Every such
 * refusal was audited where it was decided; anything else goes on to that handler.
 */
function tellingWhy<I>(handler: (input: I, req: Request, res: Response) => Promise<void>) {
  return async (input: I, req: Request, res: Response) => {
    try {
      await handler(input, req, res);
    } catch (e) {
      if (!(e instanceof NotAllowed && wasAudited(e) && TOLD_REFUSALS.has(e.reason))) throw e;
      res.status(statusFor(e)).json({ error: e.code, reason: e.reason });
    }
  };
}

export function partyRoutes(d: ApiDeps): Router {
  const r = Router();
  const route = contract(r);
  r.use(['/party-requests', '/rooms'], requireAuth(d.auth));
  const { partyRequests: requests, rooms } = d;
  const by = (req: Request, viewer: Viewer) => ({ actor: `user:${viewer.id}`, ...contextOf(req) });
  const factsOf = (p: { unit: string; party_user_id: string }) => ({ unit: p.unit, partyUserId: p.party_user_id });

  /** The request named in the path, after `decide` allows the viewer (refusals audited as `action`). */
  const requestFor = async (req: Request, id: string, viewer: Viewer, decide: typeof maySeeRequest, action: AuditAction) => {
    const request = await requests.load(id);
    await enforce(d.audit, req, viewer, decide(viewer, factsOf(request)), action, request.id);
    return request;
  };
  const roomFor = async (req: Request, id: string, viewer: Viewer, decide: typeof maySeeRoom, action: AuditAction) => {
    const found = await rooms.load(id);
    await enforce(d.audit, req, viewer, decide(viewer, factsOf(found.request)), action, found.request.id);
    return found;
  };

  const onRequest = { caller: 'user', params: requestParam } as const;
  const onRoom = { caller: 'user', params: roomParam } as const;

  route(
    {
      method: 'post',
      path: '/party-requests',
      summary: "a party's request to view or copy recordings, by the party or staff on their behalf",
      caller: 'user',
      body: newPartyRequestSchema,
      responses: { 201: partyRequestSchema },
    },
    async ({ body: input }, req, res) => {
      const { viewer } = authOf(res);
      // The role first, for the viewer's own unit; then the recordings, of that unit only (another
      // unit's are answered as missing), so no answer tells which ids exist elsewhere.
      await enforce(d.audit, req, viewer, mayRequest(viewer, viewer.unit, input.partyBadge !== undefined), 'party.request');
      const recordings = await requests.recordingsOf(input.recordingIds, viewer.unit, by(req, viewer));
      let partyUserId = viewer.id;
      if (input.partyBadge !== undefined) {
        // Only an active party of the staff's own unit; every other badge gets the same answer, so
        // staff learn nothing about who else is signed up.
        const party = await d.users.byBadge(input.partyBadge);
        if (!party || party.role !== 'party' || party.state !== 'active' || party.unit !== viewer.unit) {
          await d.audit.record({ ...by(req, viewer), action: 'party.request', subject: null, outcome: 'refused', detail: { reason: 'no such party of the unit', partyBadge: input.partyBadge } });
          throw markAudited(new UserNotFound(input.partyBadge));
        }
        partyUserId = party.id;
      }
      const created = await requests.create(input, recordings, partyUserId, by(req, viewer));
      res.status(201).json(await d.presentation.request(created, viewer, await rooms.viewings(created.id)));
    },
  );

  route(
    {
      method: 'get',
      path: '/party-requests',
      summary: 'the requests the viewer may see, newest first',
      caller: 'user',
      query: listQuery,
      responses: { 200: z.object({ requests: z.array(partyRequestSchema) }).strict() },
    },
    async (input, _req, res) => {
      const { viewer } = authOf(res);
      const { state } = input.query;
      // A party lists their own; staff and the head their unit's; anyone else nothing.
      const latest = await d.repos.party.latestRequests(viewer.role === 'party' ? { partyUserId: viewer.id } : { unit: viewer.unit }, state);
      const rows = latest.filter((p) => maySeeRequest(viewer, factsOf(p)).allow);
      res.json({ requests: await Promise.all(rows.map(async (p) => d.presentation.request(p, viewer, await rooms.viewings(p.id)))) });
    },
  );

  route({ ...onRequest, method: 'get', path: '/party-requests/:id', summary: 'one request', responses: { 200: partyRequestSchema } }, async (input, req, res) => {
    const { viewer } = authOf(res);
    const request = await requestFor(req, input.params.id, viewer, maySeeRequest, 'party.read');
    res.json(await d.presentation.request(request, viewer, await rooms.viewings(request.id)));
  });

  route(
    {
      ...onRequest,
      method: 'post',
      path: '/party-requests/:id/decision',
      summary: "the agency head's decision",
      body: decisionSchema,
      responses: { 200: partyRequestSchema },
    },
    async (input, req, res) => {
      const { viewer } = authOf(res);
      const request = await requestFor(req, input.params.id, viewer, mayDecide, 'party.decision');
      const decided = await requests.decide(request, input.body, by(req, viewer));
      res.json(await d.presentation.request(decided, viewer, await rooms.viewings(decided.id)));
    },
  );

  route({ ...onRequest, method: 'post', path: '/party-requests/:id/rooms', summary: 'a viewing room for an approved request', responses: { 201: roomSchema } }, async (input, req, res) => {
    const { viewer } = authOf(res);
    const request = await requestFor(req, input.params.id, viewer, mayMakeRoom, 'room.create');
    const room = await rooms.create(request, by(req, viewer));
    res.status(201).json(await d.presentation.room(room, request, await rooms.viewings(request.id)));
  });

  route(
    {
      ...onRequest,
      method: 'post',
      path: '/party-requests/:id/copies',
      summary: "a party copy under the party's approved copy request",
      body: recordingBody,
      responses: { 201: exportCreatedSchema },
    },
    tellingWhy(async (input: { params: { id: string }; body: z.output<typeof recordingBody> }, req, res) => {
      const { viewer } = authOf(res);
      const request = await requestFor(req, input.params.id, viewer, isTheParty, 'export.request');
      const { recordingId } = input.body;
      const { decision, redactionId } = await d.partyCopies.decision(viewer, request, recordingId);
      await enforce(d.audit, req, viewer, decision, 'export.request', recordingId);
      res.status(201).json(await d.partyCopies.create(viewer, request, recordingId, redactionId, by(req, viewer)));
    }),
  );

  route(
    {
      method: 'get',
      path: '/rooms',
      summary: "the unit's rooms in the states asked for, newest first (custodian)",
      caller: 'user',
      query: roomsQuery,
      responses: { 200: z.object({ rooms: z.array(roomSchema) }).strict() },
    },
    async (input, req, res) => {
      const { viewer } = authOf(res);
      const states = input.query.state;
      await enforce(d.audit, req, viewer, maySupervise(viewer, { unit: viewer.unit, partyUserId: '' }), 'room.list');
      const found = await rooms.list(viewer.unit, states);
      res.json({ rooms: await Promise.all(found.map(async (f) => d.presentation.room(f.room, f.request, await rooms.viewings(f.request.id)))) });
    },
  );

  route({ ...onRoom, method: 'get', path: '/rooms/:id', summary: 'one room', responses: { 200: roomSchema } }, async (input, req, res) => {
    const { viewer } = authOf(res);
    const { room, request } = await roomFor(req, input.params.id, viewer, maySeeRoom, 'room.read');
    res.json(await d.presentation.room(room, request, await rooms.viewings(request.id)));
  });

  for (const step of STEPS) {
    route({ ...onRoom, method: 'post', path: `/rooms/:id/${step}`, summary: `the supervisor's ${step}`, responses: { 200: roomSchema } }, async (input, req, res) => {
      const { viewer } = authOf(res);
      const { request } = await roomFor(req, input.params.id, viewer, maySupervise, `room.${step}`);
      const room = await rooms.step(step, input.params.id, viewer.id, by(req, viewer));
      res.json(await d.presentation.room(room, request, await rooms.viewings(request.id)));
    });
  }

  route(
    {
      ...onRoom,
      method: 'post',
      path: '/rooms/:id/playback-sessions',
      summary: "the party's replay session in an open room",
      body: recordingBody,
      responses: { 201: playbackSessionSchema },
    },
    tellingWhy(async (input: { params: { id: string }; body: z.output<typeof recordingBody> }, req, res) => {
      const { viewer } = authOf(res);
      const { room } = await roomFor(req, input.params.id, viewer, isTheParty, 'playback.session');
      const { recordingId } = input.body;
      res.status(201).json(await d.playback.createRoomSession(viewer, room.id, recordingId, contextOf(req)));
    }),
  );
  return r;
}

/** Parties' requests, the agency head's decisions and the supervised viewing rooms. */
import { ApiError, describeError, request } from './api.ts';
import { saveFile } from './save-file.ts';
import { hasMessage, t } from './i18n.ts';
import type { Confidentiality, PlaybackSession } from './types.ts';

export type PartyRequestState = 'pending' | 'approved' | 'refused';
export type RoomState = 'waiting' | 'open' | 'paused' | 'ended';
export type RoomStep = 'join' | 'pause' | 'resume' | 'end';

export interface Person {
  userId: string;
  name: string;
  badge: string;
}

export interface RequestedRecording {
  recordingId: string;
  deviceName: string | null;
  startedAt: string;
  durationMs: number;
  closed: boolean;
  approved: boolean | null;
  redacted: boolean;
  /** staff only */
  confidentiality?: Confidentiality | null;
  redactionId?: string | null;
  readyRedactions?: { redactionId: string; createdAt: string }[];
}

export interface PartyRequest {
  requestId: string;
  kind: 'view' | 'copy';
  state: PartyRequestState;
  unit: string;
  caseId: string | null;
  reason: string;
  party: Person | null;
  requestedBy: string;
  createdAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  decisionNote: string | null;
  windowFrom: string | null;
  windowUntil: string | null;
  maxViewings: number | null;
  copyAllowed: boolean | null;
  viewingsUsed: number;
  viewingsLeft: number;
  activeRoom: { roomId: string; state: RoomState } | null;
  recordings: RequestedRecording[];
  copies: { exportId: string; recordingId: string; ready: boolean; createdAt: string }[];
}

export interface Room {
  roomId: string;
  requestId: string;
  kind: 'view' | 'copy';
  state: RoomState;
  createdAt: string;
  openedAt: string | null;
  endedAt: string | null;
  endReason: 'supervisor' | 'expired' | null;
  party: Person | null;
  supervisor: Person | null;
  windowFrom: string | null;
  windowUntil: string | null;
  maxViewings: number | null;
  viewingsUsed: number;
  viewingsLeft: number;
  recordings: { recordingId: string; deviceName: string | null; startedAt: string; durationMs: number; redacted: boolean }[];
}

export interface NewPartyRequest {
  kind: 'view' | 'copy';
  recordingIds: string[];
  reason: string;
  partyBadge?: string;
}

export type Decision =
  | { decision: 'refuse'; note: string }
  | {
    decision: 'approve';
    note?: string;
    windowFrom: string;
    windowUntil: string;
    maxViewings: number;
    copyAllowed: boolean;
    recordings: { recordingId: string; approved: boolean; redactionId?: string }[];
  };

const enc = encodeURIComponent;

export function getPartyRequests(signal: AbortSignal, state?: PartyRequestState): Promise<{ requests: PartyRequest[] }> {
  return request('GET', `/api/party-requests${state ? `?state=${state}` : ''}`, signal);
}

export function createPartyRequest(body: NewPartyRequest, signal: AbortSignal): Promise<PartyRequest> {
  return request('POST', '/api/party-requests', signal, () => body);
}

export function decideRequest(id: string, body: Decision, signal: AbortSignal): Promise<PartyRequest> {
  return request('POST', `/api/party-requests/${enc(id)}/decision`, signal, () => body);
}

export function createRoom(requestId: string, signal: AbortSignal): Promise<Room> {
  return request('POST', `/api/party-requests/${enc(requestId)}/rooms`, signal, () => ({}));
}

export function requestCopy(requestId: string, recordingId: string, signal: AbortSignal): Promise<{ exportId: string; jobId: string }> {
  return request('POST', `/api/party-requests/${enc(requestId)}/copies`, signal, () => ({ recordingId }));
}

export function getRooms(states: RoomState[], signal: AbortSignal): Promise<{ rooms: Room[] }> {
  return request('GET', `/api/rooms?state=${states.join(',')}`, signal);
}

export function getRoom(id: string, signal: AbortSignal): Promise<Room> {
  return request('GET', `/api/rooms/${enc(id)}`, signal);
}

export function roomStep(id: string, step: RoomStep, signal: AbortSignal): Promise<Room> {
  return request('POST', `/api/rooms/${enc(id)}/${step}`, signal, () => ({}));
}

export function createRoomSession(roomId: string, recordingId: string, signal: AbortSignal): Promise<PlaybackSession> {
  return request('POST', `/api/rooms/${enc(roomId)}/playback-sessions`, signal, () => ({ recordingId }));
}

/** The party's copy as a file. A copy is a few hundred megabytes at most: it fits in memory. */
export function downloadCopy(exportId: string, signal: AbortSignal): Promise<void> {
  return saveFile(`/api/exports/${enc(exportId)}/file`, `${exportId}.mp4`, signal);
}

/**
 * A refusal of the party flow in words, or the usual description. A 409 names the state in its
 * code; a 403 of the party's own play or copy is `forbidden` and names the state in `reason`.
 */
export function partyErrorText(err: unknown): string {
  if (err instanceof ApiError) {
    for (const code of [err.body.reason, err.code]) {
      const key = `party.error.${typeof code === 'string' ? code : ''}`;
      if (hasMessage(key)) return t(key);
    }
  }
  return describeError(err);
}

/** Parties' requests, the agency head's decisions and the supervised viewing rooms. */
import { ApiError, describeError, request } from './api.ts';
import { saveFile } from './save-file.ts';
import { hasMessage, t } from './i18n.ts';
import type { Answer, Body, PlaybackSession } from './types.ts';

export type PartyRequest = Answer<'/api/party-requests/{id}', 'get'>;
export type PartyRequestState = PartyRequest['state'];
export type RequestedRecording = PartyRequest['recordings'][number];
export type Person = NonNullable<PartyRequest['party']>;
export type Room = Answer<'/api/rooms/{id}', 'get'>;
export type RoomState = Room['state'];
export type RoomStep = 'join' | 'pause' | 'resume' | 'end';
export type NewPartyRequest = Body<'/api/party-requests', 'post'>;
export type Decision = Body<'/api/party-requests/{id}/decision', 'post'>;

const enc = encodeURIComponent;

export function getPartyRequests(signal: AbortSignal, state?: PartyRequestState): Promise<Answer<'/api/party-requests', 'get'>> {
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

export function requestCopy(requestId: string, recordingId: string, signal: AbortSignal): Promise<Answer<'/api/party-requests/{id}/copies', 'post', 201>> {
  return request('POST', `/api/party-requests/${enc(requestId)}/copies`, signal, () => ({ recordingId }));
}

export function getRooms(states: RoomState[], signal: AbortSignal): Promise<Answer<'/api/rooms', 'get'>> {
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

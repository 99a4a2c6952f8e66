/** A custodian's acts on a recording (server/recordings/recording-keeping.ts): sharing and its label. */
import { request } from './api.ts';
import type { Confidentiality } from './types.ts';

/** `until`: an ISO time; the reviewer replays until then. */
export function shareRecording(recordingId: string, share: { badge: string; until: string }, signal: AbortSignal): Promise<void> {
  return request('POST', `/api/recordings/${encodeURIComponent(recordingId)}/shares`, signal, () => share);
}

/** `null` clears the label. The server refuses (403) unless the custodian is cleared for the old and the new label. */
export function labelRecording(recordingId: string, label: Confidentiality | null, signal: AbortSignal): Promise<void> {
  return request('PUT', `/api/recordings/${encodeURIComponent(recordingId)}/confidentiality`, signal, () => ({ label }));
}

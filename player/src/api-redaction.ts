/** Redactions of a recording: the server's words for them and the calls that ask for them. */
import { request } from './api.ts';
import type { Answer } from './types.ts';

export type Redaction = Answer<'/api/redactions/{id}', 'get'>;
export type RedactionState = Redaction['state'];
export type RedactionMarks = Redaction['marks'];
export type MuteMark = RedactionMarks['mute'][number];
/** A rectangle as fractions of the frame (0–1), for its own time range. */
export type BlurMark = RedactionMarks['blur'][number];

export function getRedactions(recordingId: string, signal: AbortSignal): Promise<Answer<'/api/recordings/{id}/redactions', 'get'>> {
  return request('GET', `/api/recordings/${encodeURIComponent(recordingId)}/redactions`, signal);
}

export function requestRedaction(recordingId: string, marks: RedactionMarks, signal: AbortSignal): Promise<Answer<'/api/recordings/{id}/redactions', 'post', 201>> {
  return request('POST', `/api/recordings/${encodeURIComponent(recordingId)}/redactions`, signal, () => ({ marks }));
}

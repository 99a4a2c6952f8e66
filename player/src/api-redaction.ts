/** Redactions of a recording: the server's words for them and the calls that ask for them. */
import { request } from './api.ts';

export interface MuteMark {
  fromMs: number;
  toMs: number;
}

/** A rectangle as fractions of the frame (0–1), for its own time range. */
export interface BlurMark extends MuteMark {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface RedactionMarks {
  mute: MuteMark[];
  blur: BlurMark[];
}

export type RedactionState = 'pending' | 'ready' | 'failed';

export interface Redaction {
  redactionId: string;
  recordingId: string;
  state: RedactionState;
  marks: RedactionMarks;
  createdBy: string;
  createdAt: string;
  jobId: string;
  manifestKey: string | null;
  error: string | null;
}

export function getRedactions(recordingId: string, signal: AbortSignal): Promise<{ redactions: Redaction[] }> {
  return request('GET', `/api/recordings/${encodeURIComponent(recordingId)}/redactions`, signal);
}

export function requestRedaction(recordingId: string, marks: RedactionMarks, signal: AbortSignal): Promise<{ redactionId: string; jobId: string }> {
  return request('POST', `/api/recordings/${encodeURIComponent(recordingId)}/redactions`, signal, () => ({ marks }));
}

/** Server codes in words; an unknown code is shown as it is rather than hidden. */
import { h } from './dom.ts';
import { DASH } from './format.ts';
import { hasMessage, setText, t } from './i18n.ts';
import type { Confidentiality, Device, FeedState, HealthFlag, JobState, RecordingFlag, RecordingState } from './types.ts';

function word(prefix: string, code: string): string {
  const key = `${prefix}.${code}`;
  return hasMessage(key) ? t(key) : code;
}

export const feedStateText = (state: FeedState): string => word('feed.state', state);
export const recordingStateText = (state: RecordingState): string => word('rec.state', state);
export const confidentialityText = (c: Confidentiality | null): string => (c === null ? DASH : word('conf', c));
export const outcomeText = (outcome: string): string => word('outcome', outcome);
export const deviceKindText = (kind: Device['kind']): string => word('device.kind', kind);
export const deviceStateText = (state: Device['state']): string => word('device.state', state);
export const healthFlagText = (flag: HealthFlag): string => word('flag', flag);
export const recordingFlagText = (flag: RecordingFlag): string => {
  if (typeof flag === 'string') return word('flag', flag);
  const key = `flag.${flag.kind}`;
  return hasMessage(key) ? t(key, { count: flag.count }) : `${flag.kind} ${flag.count}`;
};
export const recordingFlagCode = (flag: RecordingFlag): string => (typeof flag === 'string' ? flag : flag.kind);
export const jobStateText = (state: JobState): string => word('job.state', state);
export const jobKindText = (kind: string): string => word('job.kind', kind);

/** A warning in words, in the flag style. */
export function chip(text: () => string): HTMLSpanElement {
  const span = h('span', { class: 'flag' });
  setText(span, text);
  return span;
}

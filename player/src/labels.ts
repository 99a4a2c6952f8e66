/** Server codes in words; an unknown code is shown as it is rather than hidden. */
import { DASH } from './format.ts';
import { hasMessage, t } from './i18n.ts';
import type { Confidentiality, Device, FeedState, HealthFlag, JobState, RecordingState } from './types.ts';

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
export const jobStateText = (state: JobState): string => word('job.state', state);
export const jobKindText = (kind: string): string => word('job.kind', kind);

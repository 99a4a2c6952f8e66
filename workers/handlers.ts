/** The job registry: one handler per job kind (the type makes a missing or extra one a compile error). */
import { exportPackage } from './export-package.ts';
import { exportPartyCopy } from './export-party-copy.ts';
import type { JobHandlers } from './job-handler.ts';
import { recordingDerive } from './recording-derive.ts';
import { recordingRedact } from './redact-recording.ts';
import { segmentDerive } from './segment-derive.ts';
import { segmentLive } from './segment-live.ts';

export const jobHandlers: JobHandlers = {
  'segment.live': segmentLive,
  'segment.derive': segmentDerive,
  'recording.derive': recordingDerive,
  'export.party_copy': exportPartyCopy,
  'export.package': exportPackage,
  'recording.redact': recordingRedact,
};

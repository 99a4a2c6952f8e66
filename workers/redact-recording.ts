import type { JobHandler } from './job-handler.ts';

export const recordingRedact: JobHandler<'recording.redact'> = async () => {
  throw new Error('recording.redact: not built yet');
};

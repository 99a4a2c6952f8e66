/**
 * When an offline recording happened by the server's clock, and whether it arrived in time
 * (000 §19, 003 §23): within 24 h of the recording's end, or — remote or continuous work — within
 * 24 h of the officer's return to the unit, whichever is later. Pure.
 */
const UPLOAD_WINDOW_MS = 24 * 3_600_000;

/** `driftMs` is device − server, as measured from the device's health reports; unknown counts as none. */
export function toServerClock(deviceTime: Date, driftMs: number | null): Date {
  return new Date(deviceTime.getTime() - (driftMs ?? 0));
}

export interface UploadTimingInput {
  deviceStartedAt: Date;
  durationMs: number;
  clockDriftMs: number | null;
  /** by the device's clock too */
  returnedAt?: Date;
  receivedAt: Date;
}

export interface UploadTiming {
  startedAt: Date;
  deadline: Date;
  late: boolean;
}

export function uploadTiming(t: UploadTimingInput): UploadTiming {
  const startedAt = toServerClock(t.deviceStartedAt, t.clockDriftMs);
  const end = startedAt.getTime() + t.durationMs;
  const returned = t.returnedAt ? toServerClock(t.returnedAt, t.clockDriftMs).getTime() : end;
  const deadline = new Date(Math.max(end, returned) + UPLOAD_WINDOW_MS);
  return { startedAt, deadline, late: t.receivedAt.getTime() > deadline.getTime() };
}

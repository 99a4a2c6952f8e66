import type { Core } from '../core.ts';
import { EXIT } from './exit-codes.ts';

export async function recordingsList(core: Core, json: boolean): Promise<number> {
  const rows = await core.repos.recordings.all();
  const list = rows.map((r) => ({
    id: r.id,
    device: r.device_id,
    officer: r.officer_badge,
    start: r.started_at,
    end: r.ended_at,
    segments: r.segment_count,
    durationMs: r.duration_ms,
    gaps: r.gap_count,
    state: r.state,
    origin: r.origin,
    /** uploads only: arrived after the 24 h deadline (000 §19, 003 §23) */
    late: r.late === 1,
    uploadDeadline: r.upload_deadline,
    lateReason: r.late_reason,
    /**
     * An interrupted recording waits for its device for the grace window, then closes with its
     * manifest: until then it shows `interrupted` and has no manifest.
     */
    closesAt: r.state === 'interrupted' && r.interrupted_at ? new Date(Date.parse(r.interrupted_at) + core.config.graceSeconds * 1000).toISOString() : null,
  }));
  if (json) {
    process.stdout.write(JSON.stringify(list, null, 2) + '\n');
    return EXIT.ok;
  }
  process.stdout.write('id\tdevice\tstart\tend\tsegments\tduration\tgaps\tstate\torigin\n');
  for (const r of list) {
    const origin = r.late ? `${r.origin} LATE` : r.origin;
    const state = r.closesAt ? `${r.state} (closes ${r.closesAt} unless the device returns)` : r.state;
    process.stdout.write(`${r.id}\t${r.device}\t${r.start}\t${r.end ?? '-'}\t${r.segments}\t${(r.durationMs / 1000).toFixed(1)}s\t${r.gaps}\t${state}\t${origin}\n`);
  }
  return EXIT.ok;
}

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Db } from '../../server/db/database.ts';
import type { LedgerEntry, Recording } from '../../server/db/schema.ts';
import { waitFor } from './wait.ts';

export async function recordingsOf(db: Db, deviceId?: string): Promise<Recording[]> {
  let q = db.selectFrom('recordings').selectAll().orderBy('started_at');
  if (deviceId) q = q.where('device_id', '=', deviceId);
  return q.execute();
}

export async function entriesOf(db: Db, recordingId: string): Promise<LedgerEntry[]> {
  return db.selectFrom('ledger_entries').selectAll().where('recording_id', '=', recordingId).orderBy('idx').execute();
}

export function waitForClosed(db: Db, deviceId: string, count = 1, timeoutMs = 90_000): Promise<Recording[]> {
  return waitFor(
    `${count} closed recording(s) of ${deviceId}`,
    async () => {
      const rs = await recordingsOf(db, deviceId);
      return rs.length === count && rs.every((r) => r.state === 'closed') ? rs : undefined;
    },
    timeoutMs,
  );
}

/** Whether the first video frame of a segment is a keyframe, asked of real ffprobe. */
export function startsWithKeyframe(bytes: Buffer): boolean {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'liuhen-probe-')), 'seg.ts');
  fs.writeFileSync(file, bytes);
  const out = execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-read_intervals', '%+#1', '-show_entries', 'frame=key_frame', '-of', 'csv=p=0', file]).toString();
  return out.trim().split('\n')[0]?.startsWith('1') ?? false;
}

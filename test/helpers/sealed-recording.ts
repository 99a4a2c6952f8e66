import fs from 'node:fs';
import type { Device } from '../../server/db/schema.ts';
import type { RunningServer } from '../../server/liuhen.ts';
import { preparedClip } from './sealed-clip.ts';

/**
 * A closed recording sealed directly, not published (node-media-server is process-wide, and one
 * server's gate would hear another's camera): one 2 s segment, or two with a gap between them;
 * with `notice`, a 告知 marker by the device after the first. A real chain with a signed manifest: it verifies.
 * (sealClip seals a whole prepared clip; this one is for gaps and markers between segments.)
 */
export async function sealedRecording(s: RunningServer, device: Device, startedAt: Date, opts: { gap?: boolean; notice?: boolean } = {}): Promise<string> {
  const bytes = fs.readFileSync(preparedClip({ seconds: 2 }).files[0]!);
  const rec = await s.core.sealer.openRecording(device, startedAt);
  await s.core.sealer.sealSegment(rec.id, { bytes, startAt: startedAt, durationMs: 2000, source: `test/${rec.id}/1.ts` });
  if (opts.notice) await s.core.sealer.appendNotice(rec.id, new Date(startedAt.getTime() + 2000), 'device');
  if (opts.gap) {
    await s.core.sealer.appendGap(rec.id, 'network', new Date(startedAt.getTime() + 2000), new Date(startedAt.getTime() + 4000));
    await s.core.sealer.sealSegment(rec.id, { bytes, startAt: new Date(startedAt.getTime() + 4000), durationMs: 2000, source: `test/${rec.id}/2.ts` });
  }
  return (await s.core.sealer.close(rec.id)).id;
}

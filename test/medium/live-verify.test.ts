/**
 * `liuhen verify` of a live recording: a checkpoint its node writes while the verification reads
 * the store pins an entry sealed after the verification read the ledger. It is held to that entry
 * as the ledger has it now, not reported as a chain that no longer matches (a two-node test hit
 * this), while a checkpoint naming an entry the ledger does not have still is. Real sealer, SQLite,
 * local WORM store; the seal is made to fall between the two reads.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { objectKeys } from '../../server/ledger/object-keys.ts';
import { RecordingVerification } from '../../server/ledger/verify.ts';
import type { EvidenceStore } from '../../server/storage/evidence-store.ts';
import { preparedClip } from '../helpers/sealed-clip.ts';
import { fileCore } from '../helpers/server.ts';

const own = fileCore();

describe('verifying a live recording while its node seals', () => {
  it('holds a checkpoint written meanwhile to the entry sealed since', async () => {
    const { core } = own;
    const { device } = await core.devices.add({ kind: 'bodycam', officerBadge: 'LV1', unit: 'u1' }, 'test');
    const t0 = new Date(Date.now() - 60_000);
    const r = await core.sealer.openRecording(device, t0);
    const files = preparedClip({ seconds: 4, segmentSeconds: 2 }).files;
    const seal = (i: number) =>
      core.sealer.sealSegment(r.id, { bytes: fs.readFileSync(files[i]!), startAt: new Date(t0.getTime() + i * 2000), durationMs: 2000, source: `${r.id}/1/seg_00000${i}.ts` });
    await seal(0);
    await core.sealer.checkpoint(r.id);

    let sealedBetween = false;
    const store = Object.create(core.store) as EvidenceStore;
    store.list = async (prefix) => {
      if (prefix === objectKeys.checkpointPrefix(r.id) && !sealedBetween) {
        sealedBetween = true;
        await seal(1);
        await core.sealer.checkpoint(r.id);
      }
      return core.store.list(prefix);
    };
    const report = await new RecordingVerification(core.repos.recordings, store).check(r.id);
    expect(sealedBetween).toBe(true);
    expect(report).toMatchObject({ ok: true, entries: 1, checkpointsChecked: 2 });

    // A checkpoint of an entry the ledger does not hold is still reported.
    const body = Buffer.from(JSON.stringify({ format: 'liuhen-checkpoint/1', recordingId: r.id, entryCount: 5, headLink: 'f'.repeat(64), at: new Date().toISOString() }) + '\n');
    await core.store.putOnce(objectKeys.checkpoint(r.id, 5), body, {
      sha256: createHash('sha256').update(body).digest('hex'),
      retainUntil: new Date(Date.now() + 86_400_000),
      contentType: 'application/json',
    });
    expect((await core.recordingVerification.check(r.id)).problems.map((p) => p.what)).toEqual(['checkpoint']);
  });
});

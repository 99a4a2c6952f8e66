/**
 * tus termination (DELETE) of offline uploads, as @tus/server offers it within liuhen's rules: a
 * device may drop its own unfinished upload (its bytes and its room in the quota go, audited);
 * another device's is as unknown to it as a missing one; nothing with all its bytes — being
 * checked, sealed or refused — can be terminated. Real server, real part files, real sealing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/liuhen.ts';
import { recordingsOf } from '../helpers/recordings.ts';
import { startTestServer, testEnv } from '../helpers/server.ts';
import { cameraRecording, type TusCamera, tusClient } from '../helpers/tus.ts';

const MIB = 1024 * 1024;

/** A 2 s bodycam clip. */
const clip = () => cameraRecording(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'liuhen-tus-')), 'clip.mp4'), { seconds: 2, size: '320x240' });

describe('a device terminating an upload', () => {
  let server: RunningServer;
  let base: string;
  let uploadsDir: string;
  let tus: ReturnType<typeof tusClient>;
  let cam: TusCamera;
  let other: TusCamera;

  beforeAll(async () => {
    const env = await testEnv({ LIUHEN_UPLOAD_QUOTA_MB: '4' });
    uploadsDir = path.join(env.LIUHEN_DATA_DIR!, 'uploads');
    server = await startTestServer(env);
    base = `http://127.0.0.1:${server.httpPort}`;
    tus = tusClient(base);
    cam = await server.core.devices.add({ kind: 'bodycam', officerBadge: 'T5001' }, 'test');
    other = await server.core.devices.add({ kind: 'bodycam', officerBadge: 'T5002' }, 'test');
  });
  afterAll(async () => {
    await server?.stop();
  });

  const terminate = (who: TusCamera, url: string) => fetch(url, { method: 'DELETE', headers: tus.headers(who) });
  const audited = async (action: string) =>
    (await server.core.db.selectFrom('audit_events').select(['actor', 'subject', 'outcome', 'detail']).where('action', '=', action).orderBy('seq').execute()).map((e) => ({
      ...e,
      detail: JSON.parse(e.detail) as Record<string, unknown>,
    }));

  it('its own unfinished upload: bytes, row and room in the quota go, and it is audited', async () => {
    const url = await tus.created(cam, 3 * MIB, { startedAt: new Date().toISOString(), filename: 'REC_0200.MP4' });
    const id = url.split('/').pop()!;
    expect((await tus.patch(cam, url, 0, new Uint8Array(1000))).status).toBe(204);
    // The quota (4 MiB) is held by the 3 MiB declared.
    expect((await tus.create(cam, 2 * MIB)).status).toBe(507);

    const res = await terminate(cam, url);
    expect(res.status).toBe(204);
    expect(res.headers.get('tus-resumable')).toBe('1.0.0');
    expect((await tus.head(cam, url)).status).toBe(404);
    expect(fs.existsSync(path.join(uploadsDir, `${id}.part`))).toBe(false);
    expect(await server.core.db.selectFrom('uploads').select('id').where('id', '=', id).executeTakeFirst()).toBeUndefined();
    expect(await audited('upload.terminated')).toEqual([{ actor: `device:${cam.device.id}`, subject: id, outcome: 'ok', detail: { offset: 1000, length: 3 * MIB, filename: 'REC_0200.MP4' } }]);
    expect((await tus.create(cam, 2 * MIB)).status).toBe(201);
  });

  it("another device's is not found, and stays as it was", async () => {
    const url = await tus.created(other, 1000);
    expect((await tus.patch(other, url, 0, new Uint8Array(400))).status).toBe(204);

    const res = await terminate(cam, url);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'upload_not_found' });
    const refused = (await audited('upload.request')).filter((e) => e.subject?.startsWith('DELETE '));
    expect(refused).toEqual([
      { actor: `device:${cam.device.id}`, subject: `DELETE /api/device/uploads/${url.split('/').pop()}`, outcome: 'refused', detail: { status: 404, reason: 'upload_not_found' } },
    ]);
    const still = await tus.head(other, url);
    expect(still.status).toBe(200);
    expect(still.headers.get('upload-offset')).toBe('400');
  });

  it('a sealed upload cannot be terminated: its recording and its answer stay', async () => {
    const sealed = await tus.uploadWhole(cam, clip());
    expect(sealed.body).toMatchObject({ state: 'sealed' });

    const res = await terminate(cam, sealed.url);
    expect(res.status).toBe(409);
    expect(await res.json()).toEqual({ error: 'upload_finished' });
    expect((await tus.result(cam, sealed.url)).body).toMatchObject({ state: 'sealed', recordingId: sealed.body.recordingId });
    expect((await recordingsOf(server.core.db, cam.device.id)).map((r) => r.id)).toEqual([sealed.body.recordingId]);
    const head = await tus.head(cam, sealed.url);
    expect(head.headers.get('upload-offset')).toBe(head.headers.get('upload-length'));
  });

  it('a refused upload cannot be terminated either', async () => {
    const refused = await tus.uploadWhole(other, Buffer.from('not a recording\n'.repeat(20)));
    expect(refused.body).toMatchObject({ state: 'refused', error: 'not_media' });
    expect((await terminate(other, refused.url)).status).toBe(409);
    expect((await tus.result(other, refused.url)).body).toMatchObject({ state: 'refused', error: 'not_media' });
  });
});

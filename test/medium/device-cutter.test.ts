/**
 * What cuts a camera's RTMP stream: liuhen itself by default, ffmpeg for a device set so with
 * `liuhen device cutter` (a camera whose stream the in-process cutter should not be trusted
 * with), the rest unchanged. Real ffmpeg publishers, node-media-server, SQLite, local store.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/liuhen.ts';
import { runCli } from '../helpers/cli.ts';
import { publish } from '../helpers/publisher.ts';
import { waitForClosed } from '../helpers/recordings.ts';
import { startTestServer, testEnv } from '../helpers/server.ts';

let server: RunningServer | undefined;
afterAll(async () => server?.stop());

async function addCamera(env: Record<string, string>, badge: string): Promise<{ id: string; url: string }> {
  const added = await runCli(['device', 'add', '--kind', 'bodycam', '--officer', badge], env);
  expect(added.code, added.stderr).toBe(0);
  return { id: /device (\S+)/.exec(added.stdout)![1]!, url: /publish URL[^:]*: (\S+)/.exec(added.stdout)![1]! };
}

describe('a device set to be cut by ffmpeg', () => {
  it('is cut by an ffmpeg process while the others are cut in process', async () => {
    const env = await testEnv();
    const byFfmpeg = await addCamera(env, 'DC1');
    const inProcess = await addCamera(env, 'DC2');
    const set = await runCli(['device', 'cutter', byFfmpeg.id, 'ffmpeg'], env);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toContain(`device ${byFfmpeg.id} is cut by ffmpeg`);
    const listed = JSON.parse((await runCli(['devices', '--json'], env)).stdout) as { id: string; cutter: string | null }[];
    expect(listed.map((d) => [d.id, d.cutter])).toEqual([
      [byFfmpeg.id, 'ffmpeg'],
      [inProcess.id, null],
    ]);

    server = await startTestServer(env);
    const cameras = [publish(byFfmpeg.url, 6), publish(inProcess.url, 6)];
    for (const c of cameras) expect(await c.exited, c.stderr()).toBe(0);
    const { db } = server.core;
    const [ffmpegRecording] = await waitForClosed(db, byFfmpeg.id);
    const [ownRecording] = await waitForClosed(db, inProcess.id);
    for (const r of [ffmpegRecording!, ownRecording!]) expect(r.segment_count).toBeGreaterThanOrEqual(2);

    const partOf = (recordingId: string) => db.selectFrom('spool_parts').select('ffmpeg_pid').where('recording_id', '=', recordingId).executeTakeFirstOrThrow();
    expect((await partOf(ffmpegRecording!.id)).ffmpeg_pid).toBeGreaterThan(0);
    expect((await partOf(ownRecording!.id)).ffmpeg_pid).toBeNull();

    // Back to the server's choice.
    const reset = await runCli(['device', 'cutter', byFfmpeg.id, 'default'], env);
    expect(reset.stdout).toContain("the server's choice (LIUHEN_CUTTER=in-process)");
    expect((await server.core.devices.get(byFfmpeg.id)).cutter).toBeNull();
  });
});

/**
 * kill -9 of the server while a camera publishes. Whatever its segmenter finished before it died
 * must be sealed after the restart, and the segment it was writing up to its last whole frame; the
 * outage must be in the chain as a gap caused by the restart, and the camera publishing again
 * inside the window continues the same recording. The stream is cut in process (the default), so
 * nothing outlives the server to finish that segment, as when a machine loses its power.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../server/db/database.ts';
import { parseSegmentList, SEGMENT_LIST } from '../../server/media/segmenter-args.ts';
import { runCli } from '../helpers/cli.ts';
import { publish } from '../helpers/publisher.ts';
import { entriesOf, recordingsOf, waitForClosed } from '../helpers/recordings.ts';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.ts';
import { testEnv } from '../helpers/server.ts';
import { waitFor } from '../helpers/wait.ts';

let server: ServerProcess | undefined;
let db: Db | undefined;
afterAll(async () => {
  server?.child.kill('SIGKILL');
  await db?.destroy();
});

describe('kill -9 of the server while a camera publishes', () => {
  it('loses no finished segment, seals the one cut short, records the outage as a server_restart gap, and continues the recording', async () => {
    const env = await testEnv({ LIUHEN_GRACE_SECONDS: '15', LIUHEN_LOG_LEVEL: 'info' });
    const added = await runCli(['device', 'add', '--kind', 'bodycam', '--officer', 'K9'], env);
    expect(added.code, added.stderr).toBe(0);
    const url = /publish URL[^:]*: (\S+)/.exec(added.stdout)![1]!;
    const deviceId = /device (\S+)/.exec(added.stdout)![1]!;

    server = await startServerProcess(env);
    db = await openDatabase(`sqlite:${path.join(env.LIUHEN_DATA_DIR!, 'liuhen.sqlite')}`);
    const camera = publish(url, 60);
    await waitFor('three sealed segments', async () => ((await recordingsOf(db!, deviceId))[0]?.segment_count ?? 0) >= 3, 60_000);

    server.child.kill('SIGKILL');
    await server.exited;
    expect(await camera.exited).not.toBe(0);
    const [recording] = await recordingsOf(db, deviceId);
    const parts = await db.selectFrom('spool_parts').selectAll().where('recording_id', '=', recording!.id).execute();
    expect(parts).toHaveLength(1);
    const part = parts[0]!;
    // Cut in process: no segmenter of its own to outlive it and finish the segment it was writing.
    expect(part.ffmpeg_pid).toBeNull();
    const finished = parseSegmentList(fs.readFileSync(path.join(part.dir, SEGMENT_LIST), 'utf8')).rows.map((r) => `${recording!.id}/1/${r.file}`);
    const cutShort = `${recording!.id}/1/seg_${String(finished.length).padStart(6, '0')}.ts`;
    expect(fs.statSync(path.join(part.dir, path.basename(cutShort))).size).toBeGreaterThan(0);
    const sealedBeforeRestart = (await entriesOf(db, recording!.id)).length;
    expect(finished.length).toBeGreaterThanOrEqual(sealedBeforeRestart);

    server = await startServerProcess(env);
    const again = publish(url, 6);
    expect(await again.exited, again.stderr()).toBe(0);
    const [closed] = await waitForClosed(db, deviceId, 1, 60_000);
    expect(closed!.id).toBe(recording!.id);

    const entries = await entriesOf(db, recording!.id);
    expect(entries.slice(0, finished.length).map((e) => e.source)).toEqual(finished);
    // Then the segment cut short, up to its last whole frame, with what cut it short; a kill within
    // a frame of the cut leaves no whole frame in it, and its time is a gap with that cause instead.
    const short = entries[finished.length]!;
    if (short.kind === 'segment') expect(short).toMatchObject({ source: cutShort, cause: 'server_restart' });
    else expect(short).toMatchObject({ kind: 'gap', cause: 'server_restart' });
    const gap = entries[finished.length + 1]!;
    expect(gap).toMatchObject({ kind: 'gap', cause: 'server_restart' });
    expect(entries.slice(gap.idx).every((e) => e.kind === 'segment' && e.source!.startsWith(`${recording!.id}/2/`))).toBe(true);
    expect(entries.length).toBeGreaterThan(gap.idx + 1);
    const gaps = entries.filter((e) => e.kind === 'gap').length;

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    server = undefined;
    const verified = await runCli(['verify', recording!.id], env);
    expect(verified.stdout).toMatch(new RegExp(`intact — \\d+ segments, ${gaps} gaps`));
    expect(verified.code).toBe(0);
  });
});

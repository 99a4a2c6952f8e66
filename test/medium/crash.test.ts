/**
 * kill -9 of the server while a camera publishes. Whatever ffmpeg finished before it died must be
 * sealed after the restart, the outage must be in the chain as a gap caused by the restart, and the
 * camera publishing again inside the window continues the same recording.
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

const processAlive = (pid: number) => fs.existsSync(`/proc/${pid}`) && !fs.readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');

let server: ServerProcess | undefined;
let db: Db | undefined;
afterAll(async () => {
  server?.child.kill('SIGKILL');
  await db?.destroy();
});

describe('kill -9 of the server while a camera publishes', () => {
  it('loses no finished segment, records the outage as a server_restart gap, and continues the recording', async () => {
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
    // The orphaned segmenter sees its input end, closes its last segment and exits by itself.
    await waitFor('the orphaned segmenter to exit', () => !processAlive(part.ffmpeg_pid!), 30_000);
    const finished = parseSegmentList(fs.readFileSync(path.join(part.dir, SEGMENT_LIST), 'utf8')).rows.map((r) => `${recording!.id}/1/${r.file}`);
    const sealedBeforeRestart = (await entriesOf(db, recording!.id)).length;
    expect(finished.length).toBeGreaterThanOrEqual(sealedBeforeRestart);

    server = await startServerProcess(env);
    const again = publish(url, 6);
    expect(await again.exited, again.stderr()).toBe(0);
    const [closed] = await waitForClosed(db, deviceId, 1, 60_000);
    expect(closed!.id).toBe(recording!.id);

    const entries = await entriesOf(db, recording!.id);
    const sources = entries.map((e) => e.source);
    for (const source of finished) expect(sources, `${source} sealed`).toContain(source);
    const gaps = entries.filter((e) => e.kind === 'gap');
    expect(gaps.map((g) => g.cause)).toEqual(['server_restart']);
    expect(gaps[0]!.idx).toBe(finished.length + 1);
    expect(entries.slice(gaps[0]!.idx).every((e) => e.kind === 'segment' && e.source!.startsWith(`${recording!.id}/2/`))).toBe(true);
    expect(entries.length).toBeGreaterThan(gaps[0]!.idx + 1);

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    server = undefined;
    const verified = await runCli(['verify', recording!.id], env);
    expect(verified.stdout).toMatch(/intact — \d+ segments, 1 gaps/);
    expect(verified.code).toBe(0);
  });
});

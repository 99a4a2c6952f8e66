/**
 * A node's start after it died while its segmenter was writing a segment (kill -9 of liuhen with
 * the in-process cutter, or the machine's power lost under ffmpeg): the file has no row and ends
 * mid-packet, mid-frame. Recovery seals it up to its last whole frame, a prefix of the bytes as
 * written, with the restart as what cut it short; a file with no whole frame is a gap with that
 * cause, and stays in the spool. Real sealer, SQLite, local WORM store, ffmpeg-made segments.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { Device, Recording } from '../../server/db/schema.ts';
import { TS_PACKET_BYTES } from '../../server/media/ts-continuity.ts';
import { packetLines } from '../helpers/hls-media.ts';
import { preparedClip } from '../helpers/sealed-clip.ts';
import { configFrom, fileCore, nodeOnThisMachine } from '../helpers/server.ts';

const run = promisify(execFile);
const own = fileCore();
const NODE = 'node-restarted';
const SEGMENT_MS = 2000;
const clip = () => preparedClip({ seconds: 8, segmentSeconds: 2, tone: true });

/**
 * A spool part as a dead segmenter left it: `listed` finished segments with their rows, then the
 * next segment's file cut after `cutAt` of its bytes. Its recording is open on this node.
 */
async function deadPart(device: Device, t0: Date, listed: number, cutAt: (bytes: Buffer) => number): Promise<{ recording: Recording; dir: string }> {
  const recording = await own.core.sealer.openRecording(device, t0, { node_id: NODE });
  const dir = path.join(configFrom(own.env).spoolDir, recording.id, '1');
  fs.mkdirSync(dir, { recursive: true });
  const name = (i: number) => `seg_${String(i).padStart(6, '0')}.ts`;
  const rows = clip()
    .files.slice(0, listed)
    .map((f, i) => {
      fs.copyFileSync(f, path.join(dir, name(i)));
      return `${name(i)},${i * 2}.000000,${(i + 1) * 2}.000000\n`;
    });
  fs.writeFileSync(path.join(dir, 'segments.csv'), rows.join(''));
  const whole = fs.readFileSync(clip().files[listed]!);
  fs.writeFileSync(path.join(dir, name(listed)), whole.subarray(0, cutAt(whole)));
  await own.core.repos.recordings.addSpoolPart({
    recording_id: recording.id,
    part_no: 1,
    dir,
    wall_start: t0.toISOString(),
    ffmpeg_pid: null,
    state: 'open',
    sealing_into: null,
    host: os.hostname(),
    node_id: NODE,
  });
  return { recording, dir };
}

/** The node started again on this machine, with this test's spool. */
const restartedNode = () => nodeOnThisMachine(own, NODE);

/**
 * ffmpeg's packets of a file (bytes and timestamps, copied out), by stream: "<stream>, <dts>,
 * <pts>, <duration>, <size>, <md5>". Not the side data the demuxer adds, which it leaves off the
 * packet it flushes at the end of a file.
 */
async function packetsByStream(file: string): Promise<Map<string, string[]>> {
  const { stdout } = await run('ffmpeg', ['-hide_banner', '-v', 'error', '-i', file, '-map', '0', '-c', 'copy', '-f', 'framemd5', '-'], { maxBuffer: 64 << 20 });
  const streams = new Map<string, string[]>();
  for (const line of packetLines(stdout)) {
    const fields = line.split(',').slice(0, 6);
    const stream = fields[0]!.trim();
    streams.set(stream, [...(streams.get(stream) ?? []), fields.join(',')]);
  }
  return streams;
}

describe('a segment its segmenter died writing', () => {
  it('is sealed up to its last whole frame, as written, with the restart as what cut it short', async () => {
    const { device } = await own.core.devices.add({ kind: 'bodycam', officerBadge: 'PS1', unit: 'u1' }, 'test');
    const t0 = new Date(Date.now() - 600_000);
    // mid-packet, and (at 60 % of a file of 2 s of frames) mid-frame
    const cutAt = (b: Buffer) => Math.floor(b.length * 0.6) + 77;
    const { recording, dir } = await deadPart(device, t0, 2, cutAt);
    const original = clip().files[2]!;
    const cut = cutAt(fs.readFileSync(original));
    expect(cut % TS_PACKET_BYTES).not.toBe(0);

    await restartedNode().recover(new Map([[device.id, device]]));

    const closed = await own.core.repos.recordings.get(recording.id);
    expect(closed).toMatchObject({ state: 'closed', segment_count: 3, gap_count: 0 });
    const entries = await own.core.repos.recordings.entries(recording.id);
    expect(entries.map((e) => [e.source, e.cause])).toEqual([
      [`${recording.id}/1/seg_000000.ts`, null],
      [`${recording.id}/1/seg_000001.ts`, null],
      [`${recording.id}/1/seg_000002.ts`, 'server_restart'],
    ]);
    const partial = entries[2]!;
    expect(partial.start_at).toBe(new Date(t0.getTime() + 2 * SEGMENT_MS).toISOString());

    // What is sealed is the file's first bytes, short of the frame that was cut off.
    const sealed = await own.core.store.get(partial.object_key!);
    expect(sealed.length % TS_PACKET_BYTES).toBe(0);
    expect(sealed.length).toBeLessThan(cut - (cut % TS_PACKET_BYTES));
    expect(sealed.equals(fs.readFileSync(original).subarray(0, sealed.length))).toBe(true);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'liuhen-partial-')), 'sealed.ts');
    fs.writeFileSync(file, sealed);
    const { stdout: probed } = await run('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name', '-of', 'json', file]);
    expect((JSON.parse(probed) as { streams: { codec_name: string }[] }).streams.map((s) => s.codec_name).sort()).toEqual(['aac', 'h264']);

    // Its frames, bytes and timestamps, are the first of the original's, stream by stream.
    const kept = await packetsByStream(file);
    const all = await packetsByStream(original);
    const video = kept.get('0')!;
    expect(video.length).toBeGreaterThan(10);
    expect(video.length).toBeLessThan(all.get('0')!.length);
    for (const [stream, lines] of kept) expect(lines, `stream ${stream}`).toEqual(all.get(stream)!.slice(0, lines.length));
    // It lasts from its first frame to the end of its last (PTS plus one frame, 40 ms at 25 fps).
    const pts = video.map((l) => Number(l.split(',')[2]));
    expect(partial.duration_ms).toBe(Math.round((Math.max(...pts) + 3600 - Math.min(...pts)) / 90));

    expect(await own.core.recordingVerification.check(recording.id)).toMatchObject({ ok: true, manifestChecked: true });
    expect(fs.existsSync(dir)).toBe(false);
  });

  it('is a gap with the restart as its cause when it holds no whole frame, and stays in the spool', async () => {
    const { device } = await own.core.devices.add({ kind: 'bodycam', officerBadge: 'PS2', unit: 'u1' }, 'test');
    const t0 = new Date(Date.now() - 300_000);
    // the tables and part of the first frame
    const { recording, dir } = await deadPart(device, t0, 1, () => 4 * TS_PACKET_BYTES + 100);

    await restartedNode().recover(new Map([[device.id, device]]));

    const entries = await own.core.repos.recordings.entries(recording.id);
    expect(entries.map((e) => [e.kind, e.source, e.cause])).toEqual([
      ['segment', `${recording.id}/1/seg_000000.ts`, null],
      ['gap', null, 'server_restart'],
    ]);
    expect(entries[1]!.start_at).toBe(new Date(t0.getTime() + SEGMENT_MS).toISOString());
    expect(await own.core.recordingVerification.check(recording.id)).toMatchObject({ ok: true });
    expect(fs.statSync(path.join(dir, 'seg_000001.ts')).size).toBe(4 * TS_PACKET_BYTES + 100);
  });
});

/**
 * Sealing before derived work (issue 18): ffmpeg cutting a live stream keeps the node's priority,
 * every other ffmpeg (the workers' renditions and marks, exports, upload checks) runs
 * DERIVED_NICENESS lower. Read from the kernel (/proc/<pid>/stat) while each real ffmpeg runs.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { DERIVED_NICENESS, runFfmpeg } from '../../server/media/ffmpeg-runner.ts';

/** The nice value of a running process: field 19 of its stat line, counted after the command name. */
function niceOf(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

/** ffmpeg encoding a test pattern for a few seconds in real time; its nice value while it runs. */
async function niceWhileRunning(live: boolean | undefined): Promise<number> {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'liuhen-nice-')), 'out.ts');
  const proc = runFfmpeg('ffmpeg', {
    input: 'testsrc2=size=320x180:rate=25',
    inputFormat: 'lavfi',
    inputOptions: ['-re', '-t', '2'],
    outputOptions: ['-c:v', 'libx264', '-preset', 'ultrafast'],
    output: out,
    live,
  });
  const pid = await proc.started;
  // setPriority runs as 'start' is handled: by now it has.
  const nice = niceOf(pid);
  await proc.done;
  return nice;
}

it('derived ffmpeg work runs niced below the node; a live cut keeps the node priority', async () => {
  const own = os.getPriority();
  expect(await niceWhileRunning(undefined)).toBe(Math.min(19, own + DERIVED_NICENESS));
  expect(await niceWhileRunning(true)).toBe(own);
});

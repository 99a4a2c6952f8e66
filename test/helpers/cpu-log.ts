/**
 * Where the suite's CPU goes, file by file: with LIUHEN_TEST_CPU_LOG=<file> (vitest.config.ts adds
 * this setup file), each test file's process appends one JSON line when it ends: its own user and
 * system seconds and those of the children it waited for (ffmpeg, Chromium, `liuhen` commands and
 * nodes). The suite is CPU-bound on two cores, so these, not the files' durations, say what to
 * make cheaper: a file that waits on real time shows long and costs little.
 */
import fs from 'node:fs';
import { afterAll, expect } from 'vitest';

/** /proc/self/stat fields 14–17 (utime, stime, cutime, cstime), in clock ticks of 1/100 s */
function cpuSeconds() {
  const fields = fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  const at = (n: number) => Number(fields[n - 3]) / 100;
  return { self: at(14) + at(15), children: at(16) + at(17) };
}

afterAll(() => {
  const file = expect.getState().testPath ?? '?';
  fs.appendFileSync(process.env.LIUHEN_TEST_CPU_LOG!, JSON.stringify({ file, ...cpuSeconds() }) + '\n');
});

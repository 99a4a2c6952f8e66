/** What both outage tests check once the camera is done: one recording, nothing lost, verify passes. */
import { expect } from 'vitest';
import type { Db } from '../../server/db/database.ts';
import { runCli } from '../helpers/cli.ts';
import { entriesOf, waitForClosed } from '../helpers/recordings.ts';

export async function expectWholeRecording(db: Db, deviceId: string, cameraSeconds: number, env: Record<string, string>): Promise<void> {
  const [recording] = await waitForClosed(db, deviceId, 1, 120_000);
  const entries = await entriesOf(db, recording!.id);
  expect(entries.filter((e) => e.kind !== 'segment').map((e) => `${e.kind}:${e.cause}`)).toEqual([]);
  // Segment after segment with no hole: every segment ffmpeg finished was sealed, in order.
  for (let i = 1; i < entries.length; i++) {
    const previousEnd = Date.parse(entries[i - 1]!.start_at) + entries[i - 1]!.duration_ms;
    expect(Math.abs(Date.parse(entries[i]!.start_at) - previousEnd), `hole before entry ${i + 1}`).toBeLessThan(150);
  }
  expect(recording!.duration_ms).toBeGreaterThan((cameraSeconds - 1.5) * 1000);
  const verified = await runCli(['verify', recording!.id], env);
  expect(verified.stdout, verified.stderr).toMatch(/intact — \d+ segments, 0 gaps/);
  expect(verified.code).toBe(0);
}

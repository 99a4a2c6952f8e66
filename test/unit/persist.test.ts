import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { faultKind, persist, Stopping } from '../../server/ingest/persist.ts';
import { segmentDefect } from '../../server/ingest/spool-part.ts';
import { FfmpegFailed } from '../../server/media/ffmpeg-runner.ts';

const errno = (code: string) => Object.assign(new Error(`${code}: failed`), { code });

describe('faultKind names the door that failed', () => {
  it.each([
    [errno('ENOSPC'), 'disk_full'],
    [Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }), 'disk_full'],
    [new FfmpegFailed('ffmpeg failed: exited with code 1', 'seg_000004.ts: No space left on device'), 'disk_full'],
    [errno('EMFILE'), 'descriptors'],
    [errno('ENFILE'), 'descriptors'],
    [Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }), 'database'],
    [new Error('Connection terminated unexpectedly'), 'database'],
    [Object.assign(new Error('UnknownError'), { $metadata: { httpStatusCode: 503 } }), 'store'],
    [errno('ECONNREFUSED'), 'store'],
    [errno('EPIPE'), 'store'],
    [new Error('something else'), 'other'],
  ])('%s → %s', (err, kind) => {
    expect(faultKind(err)).toBe(kind);
  });
});

describe('segmentDefect refuses what the segmenter could not finish', () => {
  const packets = (n: number) => Buffer.concat(Array.from({ length: n }, () => Buffer.from([0x47, ...Buffer.alloc(187)])));
  it('passes whole transport stream packets', () => expect(segmentDefect(packets(3))).toBeUndefined());
  it('an empty file', () => expect(segmentDefect(Buffer.alloc(0))).toBe('empty'));
  it('a packet cut short', () => expect(segmentDefect(packets(3).subarray(0, 500))).toBe('partial_packet'));
  it('a packet without its sync byte', () => {
    const b = packets(3);
    b[376] = 0;
    expect(segmentDefect(b)).toBe('lost_sync');
  });
});

describe('persist', () => {
  const log = pino({ level: 'silent' });
  it('retries a failing door until it opens, then returns its answer', async () => {
    let calls = 0;
    const answer = await persist({ stopping: () => false, log }, 'test', {}, async () => {
      if (++calls < 3) throw errno('ECONNREFUSED');
      return 'sealed';
    });
    expect(answer).toBe('sealed');
    expect(calls).toBe(3);
  });
  it('gives up only when the server stops, leaving the work where it is', async () => {
    let stopping = false;
    const attempt = persist({ stopping: () => stopping, log }, 'test', {}, async () => {
      stopping = true;
      throw errno('ECONNREFUSED');
    });
    await expect(attempt).rejects.toBeInstanceOf(Stopping);
  });
});

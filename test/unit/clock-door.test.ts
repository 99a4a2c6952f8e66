/**
 * One clock (issue 14): domain code reads the time from the Clock the composition root hands it
 * (server/clock.ts), so a test sets the time once for every service. A read of the machine's
 * clock anywhere else in server/ or workers/ fails here, naming the file and line. Elapsed time
 * for metrics and timeouts is `performance.now()`, which this does not count.
 */
import { describe, expect, it } from 'vitest';
import { codeFiles, linesMatching, readCode } from '../helpers/source-lines.ts';

const READS_CLOCK = /new Date\(\)|Date\.now\b/;

/** Where the machine's clock is the right one, and why. */
const ALLOWED: Record<string, string> = {
  'server/clock.ts': 'the system clock itself',
  'server/ids.ts': "an id's time part only sorts ids; it records no fact",
  'server/analytics/analytics-query.ts': 'a query without a month asks for this month; the schema is a module constant, parsed before any service',
  'server/queue/job-queue.ts': 'BullMQ delays a job against the process clock it reads itself',
  'server/ingest/rtmp-ingest.ts': "node-media-server checks a publish signature's expiry against its own Date.now()",
};
// The database's own bookkeeping (migrations, job rows' timestamps) is not domain time.
const OUTSIDE_DOMAIN = 'server/db/';

describe('the clock door', () => {
  it('finds the machine clock read only by server/clock.ts and the allowed', () => {
    const files = codeFiles();
    expect(files.length).toBeGreaterThan(100);
    const reads = linesMatching(
      files.filter((f) => !f.startsWith(OUTSIDE_DOMAIN) && !(f in ALLOWED)),
      READS_CLOCK,
    );
    expect(reads).toEqual([]);
  });

  it('allows only files that exist and still read the clock', () => {
    for (const file of Object.keys(ALLOWED)) expect(READS_CLOCK.test(readCode(file)), file).toBe(true);
  });

  it('recognises a read of the clock when it sees one', () => {
    expect(READS_CLOCK.test('const at = new Date().toISOString();')).toBe(true);
    expect(READS_CLOCK.test('const until = Date.now() + ms;')).toBe(true);
    expect(READS_CLOCK.test('private readonly now: () => number = Date.now,')).toBe(true);
    expect(READS_CLOCK.test('const at = this.clock.now();')).toBe(false);
    expect(READS_CLOCK.test('new Date(row.started_at)')).toBe(false);
  });
});

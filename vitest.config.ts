import path from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Files that take half a minute or more (forensic traces, failovers, real-time outages, many
 * scrypt sign-ins), longest first, as measured in a full run (2026-12-07, a fresh machine's
 * first). Vitest starts the files it has durations of longest first; a fresh clone has none and would start the largest files first,
 * leaving a small file with a long wait (store-outage) or a long trace to run alone at the end. So
 * on a run without durations these start first.
 */
const LONGEST = [
  'test/medium/forensic-trace.test.ts',
  'test/medium/forensic-leaks.test.ts',
  'test/cluster/live-viewer-failover.test.ts',
  'test/cluster/rtsp-pull-lease.test.ts',
  'test/faults/store-outage.test.ts',
  'test/faults/rtmp-junk.test.ts',
  'test/cluster/failover.test.ts',
  'test/medium/retention.test.ts',
  'test/faults/postgres-restart.test.ts',
  'test/medium/rtsp-cameras.test.ts',
  'test/medium/crash.test.ts',
  'test/players/portrait.test.ts',
  'test/faults/disk-full.test.ts',
  'test/medium/offline-upload.test.ts',
  'test/medium/interruptions.test.ts',
  'test/e2e/accounts.test.ts',
  'test/medium/queue-outage.test.ts',
  'test/medium/ingest.test.ts',
  'test/cluster/nginx.test.ts',
  'test/cluster/second-node.test.ts',
  'test/e2e/viewing.test.ts',
  'test/faults/uploads.test.ts',
  'test/medium/cases.test.ts',
  'test/cluster/device-lease.test.ts',
  'test/medium/accounts.test.ts',
  'test/medium/watched-renditions.test.ts',
];

class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const key = (f: TestSpecification) => path.relative(this.ctx.config.root, f.moduleId);
    if (files.some((f) => this.ctx.cache.getFileTestResults(`${f.project.name}:${key(f)}`))) return sorted;
    const rank = (f: TestSpecification) => (LONGEST.includes(key(f)) ? LONGEST.indexOf(key(f)) : LONGEST.length);
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // node-media-server keeps process-wide state: each test file gets its own process.
    pool: 'forks',
    // Most medium tests wait on real time (cameras publish at -re, outages last 60 s), so three
    // files at once on two cores finish the suite in about half the time of two.
    maxWorkers: 3,
    sequence: { sequencer: LongestFirst },
    globalSetup: ['test/global-setup.ts'],
    setupFiles: process.env.LIUHEN_TEST_CPU_LOG ? ['test/helpers/cpu-log.ts'] : [],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    reporters: ['default'],
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});

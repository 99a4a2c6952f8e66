import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // node-media-server keeps process-wide state: each test file gets its own process.
    pool: 'forks',
    // Most medium tests wait on real time (cameras publish at -re, outages last 60 s), so three
    // files at once on two cores finish the suite in about half the time of two.
    maxWorkers: 3,
    testTimeout: 120_000,
    hookTimeout: 180_000,
    reporters: ['default'],
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});

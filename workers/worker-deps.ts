import type { Core } from '../server/core.ts';
import type { WorkerDeps } from './job-handler.ts';

/** What handlers get, from an opened core: the in-process workers, `liuhen worker` and the tests build it here. */
export function workerDepsOf(core: Core, workDir: string, log = core.log): WorkerDeps {
  const { config } = core;
  return {
    // A product of a recording is locked like the recording's own new objects: the unlinked period (server/retention extends it with the recording).
    repos: core.repos,
    clock: core.clock,
    audit: core.audit,
    store: core.store,
    ffmpegPath: config.ffmpegPath,
    fontFile: config.fontFile,
    retentionDays: config.retention.unlinkedMs / 86_400_000,
    workDir,
    signingKey: core.signingKey,
    codewordKey: core.keys.key('forensic-codeword'),
    log,
  };
}

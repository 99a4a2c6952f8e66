import type { Core } from '../server/liuhen.ts';
import type { WorkerDeps } from './job-handler.ts';

/** What handlers get, from an opened core: the in-process workers, `liuhen worker` and the tests build it here. */
export function workerDepsOf(core: Core, workDir: string, log = core.log): WorkerDeps {
  const { config } = core;
  return {
    db: core.db, store: core.store, ffmpegPath: config.ffmpegPath, fontFile: config.fontFile, retentionDays: config.retentionDays,
    workDir, signingKey: core.signingKey, codewordKey: core.keys.key('forensic-codeword'), log,
  };
}

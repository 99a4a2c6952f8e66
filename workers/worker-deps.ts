import type { Core } from '../server/core.ts';
import { Derivatives } from './derivatives.ts';
import { ExportOutput } from './export-output.ts';
import type { WorkerDeps } from './job-handler.ts';
import { WorkerProducts } from './store-product.ts';

/** What handlers get, from an opened core: the in-process workers, `liuhen worker` and the tests build it here. */
export function workerDepsOf(core: Core, workDir: string, log = core.log): WorkerDeps {
  const { config, repos, clock } = core;
  // A product of a recording is locked like the recording's own new objects: the unlinked period (server/retention extends it with the recording).
  const retentionDays = config.retention.unlinkedMs / 86_400_000;
  const products = new WorkerProducts(core.store, clock, retentionDays);
  return {
    repos,
    clock,
    audit: core.audit,
    store: core.store,
    ffmpegPath: config.ffmpegPath,
    fontFile: config.fontFile,
    segmentSeconds: config.segmentSeconds,
    workDir,
    signingKey: core.signingKey,
    codewordKey: core.keys.key('forensic-codeword'),
    log,
    products,
    derivatives: new Derivatives(repos.derivatives, products, clock),
    exportOutput: new ExportOutput(repos.exports, repos.recordings, products, core.audit),
  };
}

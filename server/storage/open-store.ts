import type { Config } from '../config.ts';
import type { EvidenceStore } from './evidence-store.ts';
import { LocalWormStore } from './local-worm-store.ts';
import { S3WormStore } from './s3-worm-store.ts';

/** The backend named by configuration; the s3 one refuses, naming the endpoint, the bucket and what is wrong, a bucket it cannot keep evidence in (server/storage/s3-bucket.ts). */
export async function openStore(config: Config['store']): Promise<EvidenceStore> {
  if (config.kind === 'local') return new LocalWormStore(config.root);
  const { kind: _kind, ...s3 } = config;
  return S3WormStore.open(s3);
}

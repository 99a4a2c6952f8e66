/** `liuhen store init`: makes the evidence store liuhen is configured for, or says what it found there. Idempotent. */
import fs from 'node:fs/promises';
import type { Config } from '../config.ts';
import { StoreNotWorm } from '../errors.ts';
import { openStore } from '../storage/open-store.ts';
import { createLockedBucket, inspectBucket, requireClockAgrees, requireUsable, s3Client, storeProblem, where } from '../storage/s3-bucket.ts';
import { EXIT } from './exit-codes.ts';

export const STORE_USAGE = `  liuhen store init                           makes the evidence store (LIUHEN_STORE): an S3 bucket with Object Lock
                                              and versioning, or the local directory; on one that exists, checks it
                                              and says what it found. Run it once before the first \`liuhen up\`
`;

export async function storeCommand(config: Config, args: string[]): Promise<number> {
  if (args.length !== 1 || args[0] !== 'init') {
    process.stderr.write(`unknown command: store ${args.join(' ')}\n\n${STORE_USAGE}`);
    return EXIT.badInput;
  }
  const found = config.store.kind === 'local' ? await initLocal(config.store.root) : await initS3(config.store);
  // The check `liuhen up` makes, so that a store that passes here also opens there.
  await (await openStore(config.store)).close();
  process.stdout.write(`${found}\n`);
  return EXIT.ok;
}

async function initLocal(root: string): Promise<string> {
  const stat = await fs.stat(root).catch(() => null);
  if (!stat) {
    await fs.mkdir(root, { recursive: true, mode: 0o750 });
    return `created the local evidence store at ${root}`;
  }
  if (!stat.isDirectory()) throw new StoreNotWorm(`the local evidence store ${root} is not a directory`);
  await fs.access(root, fs.constants.W_OK);
  return `the local evidence store at ${root} exists and is writable; nothing to do`;
}

async function initS3(store: Extract<Config['store'], { kind: 's3' }>): Promise<string> {
  const client = s3Client(store);
  try {
    let state = await inspectBucket(client, store.bucket);
    const made = !state.exists;
    if (made) {
      await createLockedBucket(client, store);
      state = await inspectBucket(client, store.bucket);
    }
    requireUsable(state, store);
    // Object Lock turns versioning on for good on a conforming S3; anything else is a server to distrust.
    if (state.versioning !== 'Enabled') throw new StoreNotWorm(`${where(store)} has Object Lock but its versioning is ${state.versioning}`);
    requireClockAgrees(client, store);
    return made ? `created ${where(store)} with Object Lock and versioning enabled` : `${where(store)} exists with Object Lock and versioning enabled; nothing to do`;
  } catch (err) {
    throw storeProblem(err, store);
  } finally {
    client.destroy();
  }
}

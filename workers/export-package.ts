/**
 * The evidence package for a court (DESIGN.md "Ledger"): one ustar archive of the original
 * segments bit for bit, the signed manifest, its signature, the public key, SHA256SUMS and a
 * README whose commands verify it all with standard tools only.
 *
 * Nothing is packaged that would fail those commands: the manifest's signature is checked first,
 * every segment's hash as it goes in, and a broken recording fails the job (`liuhen verify` names
 * what is broken). The archive's member times are the manifest's signing time, so a retry builds
 * the same bytes.
 *
 * The archive is streamed into the store as it is made, segments read from the store chunk by
 * chunk: a package of hours never sits in memory, nor does any one segment. A segment that fails
 * its check stops the stream, and the store keeps nothing of a put whose source failed.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import tar from 'tar-stream';
import { verifySignature } from '../server/crypto/signing-key.ts';
import { LiuhenError } from '../server/errors.ts';
import { manifestSchema } from '../server/ledger/manifest.ts';
import { objectKeys } from '../server/ledger/object-keys.ts';
import { madeAlready } from './export-output.ts';
import type { JobHandler } from './job-handler.ts';
import { packageReadme } from './package-readme.ts';

export class EvidenceBroken extends LiuhenError {
  constructor(recordingId: string, what: string) {
    super('integrity', `recording ${recordingId} is not packaged: ${what} (run liuhen verify ${recordingId})`);
  }
}

/** Where a segment sits in the package: its store file name, so the manifest's key names it too. */
const memberName = (key: string) => `segments/${key.slice(key.lastIndexOf('/') + 1)}`;

export const exportPackage: JobHandler<'export.package'> = async ({ exportId }, ctx, deps) => {
  const { exp, recording } = await deps.exportOutput.load(exportId, 'package');
  const done = madeAlready(exp);
  if (done) return done;

  const manifestBytes = await deps.store.get(objectKeys.manifest(recording.id));
  const signature = await deps.store.get(objectKeys.manifestSignature(recording.id));
  const manifest = manifestSchema.parse(JSON.parse(manifestBytes.toString()));
  const pem = await deps.store.get(objectKeys.publicKey(manifest.signingKey));
  if (manifest.recording.id !== recording.id || !verifySignature(pem.toString(), manifestBytes, signature)) {
    throw new EvidenceBroken(recording.id, 'the manifest signature does not verify');
  }

  const segments = manifest.entries
    .filter((e) => e.kind === 'segment')
    .map(({ idx, key, sha256, size }) => {
      if (!key || !sha256 || size === null) throw new EvidenceBroken(recording.id, `segment ${idx} has no object in the manifest`);
      return { idx, key, sha256, size };
    });
  const keyFile = `${manifest.signingKey}.pem`;
  const pack = tar.pack();
  const mtime = new Date(manifest.signedAt);
  /**
   * A member of the archive, and when it is in the archive's stream. Its error is heard by the
   * promise; unheard as an event, streamx would throw it again, uncaught.
   */
  const member = (name: string, body?: { bytes: Buffer } | { size: number }) => {
    let settle!: (err?: Error | null) => void;
    const written = new Promise<void>((resolve, reject) => (settle = (err) => (err ? reject(err) : resolve())));
    const header = { name, mtime, uname: 'liuhen', gname: 'liuhen', type: body ? ('file' as const) : ('directory' as const) };
    const entry = body && 'bytes' in body ? pack.entry(header, body.bytes, settle) : pack.entry({ ...header, size: body?.size }, settle);
    entry.on('error', () => undefined);
    return { entry, written };
  };
  const add = (name: string, bytes?: Buffer) => member(name, bytes && { bytes }).written;
  /**
   * A segment streamed from the store into its member, hashed on the way: a slow reader holds it
   * back chunk by chunk, so no segment is ever whole in memory. Bytes that turn out not to be the
   * sealed ones fail the package before its member is closed.
   */
  const addSegment = async (e: (typeof segments)[number]) => {
    const { entry, written } = member(memberName(e.key), { size: e.size });
    // A segment that fails is reported by its own error; its member's then only says the archive stopped.
    written.catch(() => undefined);
    const hash = createHash('sha256');
    for await (const chunk of await deps.store.getStream(e.key)) {
      hash.update(chunk as Buffer);
      // A store that stops reading destroys the archive and its member, which then never drains.
      // The archive may have stopped while this chunk was read, its member already closed: a wait
      // for its close would never end. (A streamx stream is `destroying` from the moment it is
      // destroyed; `destroyed` only once its close is under way.)
      if (!entry.write(chunk) && !entry.destroying) await Promise.race([once(entry, 'drain'), once(entry, 'close')]);
      if (entry.destroying) throw new Error('the archive stopped: the store no longer takes it');
    }
    if (hash.digest('hex') !== e.sha256) throw new EvidenceBroken(recording.id, `segment ${e.idx} does not hash to the manifest's sha256`);
    entry.end(undefined); // streamx types its end(data) with no zero-argument form
    await written;
  };

  const filling = (async () => {
    await add('README.txt', Buffer.from(packageReadme(recording, manifest, exp, keyFile)));
    await add('manifest.json', manifestBytes);
    await add('manifest.json.sig', signature);
    await add(keyFile, pem);
    await add('SHA256SUMS', Buffer.from(segments.map((e) => `${e.sha256}  ${memberName(e.key)}\n`).join('')));
    await add('segments/');
    for (const [i, e] of segments.entries()) {
      await addSegment(e);
      await ctx.progress(Math.floor((90 * (i + 1)) / segments.length));
    }
    pack.finalize();
  })().catch((err: unknown) => pack.destroy(err as Error));

  try {
    // A streamx stream, typed as Node's Readable of unknown chunks: its chunks are Buffers.
    return await deps.exportOutput.store(ctx, exp, { name: 'package.tar', source: pack as AsyncIterable<Buffer>, contentType: 'application/x-tar' });
  } finally {
    // A store that failed, or found the package already stored, reads no more: the filling stops.
    pack.destroy();
    await filling;
  }
};

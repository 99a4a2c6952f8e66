/**
 * The evidence package for a court (DESIGN.md "Ledger"): one ustar archive of the original
 * segments bit for bit, the signed manifest, its signature, the public key, SHA256SUMS and a
 * README whose commands verify it all with standard tools only.
 *
 * Nothing is packaged that would fail those commands: the signature and every segment's hash are
 * checked against the store first, and a broken recording fails the job (`liuhen verify` names
 * what is broken). The archive's member times are the recording's end, so a retry builds the same
 * bytes. The whole archive is held in memory: the store takes one Buffer per object.
 */
import { sha256Hex } from '../server/crypto/hash.ts';
import { verifySignature } from '../server/crypto/signing-key.ts';
import { LiuhenError } from '../server/errors.ts';
import { manifestSchema } from '../server/ledger/manifest.ts';
import { objectKeys } from '../server/ledger/object-keys.ts';
import { madeAlready, loadExport, storeExport } from './export-output.ts';
import type { JobHandler } from './job-handler.ts';
import { packageReadme } from './package-readme.ts';
import { type TarFile, ustar } from './ustar.ts';

export class EvidenceBroken extends LiuhenError {
  constructor(recordingId: string, what: string) {
    super('integrity', `recording ${recordingId} is not packaged: ${what} (run liuhen verify ${recordingId})`);
  }
}

/** Where a segment sits in the package: its store file name, so the manifest's key names it too. */
const memberName = (key: string) => `segments/${key.slice(key.lastIndexOf('/') + 1)}`;

export const exportPackage: JobHandler<'export.package'> = async ({ exportId }, ctx, deps) => {
  const { exp, recording } = await loadExport(deps, exportId, 'package');
  const done = madeAlready(exp);
  if (done) return done;

  const manifestBytes = await deps.store.get(objectKeys.manifest(recording.id));
  const signature = await deps.store.get(objectKeys.manifestSignature(recording.id));
  const manifest = manifestSchema.parse(JSON.parse(manifestBytes.toString()));
  const pem = await deps.store.get(objectKeys.publicKey(manifest.signingKey));
  if (manifest.recording.id !== recording.id || !verifySignature(pem.toString(), manifestBytes, signature)) {
    throw new EvidenceBroken(recording.id, 'the manifest signature does not verify');
  }

  const segments = manifest.entries.filter((e) => e.kind === 'segment');
  const members: TarFile[] = [];
  const sums: string[] = [];
  for (const [i, e] of segments.entries()) {
    if (!e.key || !e.sha256) throw new EvidenceBroken(recording.id, `segment ${e.idx} has no object in the manifest`);
    const bytes = await deps.store.get(e.key);
    if (sha256Hex(bytes) !== e.sha256) throw new EvidenceBroken(recording.id, `segment ${e.idx} does not hash to the manifest's sha256`);
    members.push({ name: memberName(e.key), bytes });
    sums.push(`${e.sha256}  ${memberName(e.key)}\n`);
    await ctx.progress(Math.floor((90 * (i + 1)) / segments.length));
  }

  const keyFile = `${manifest.signingKey}.pem`;
  const archive = ustar(
    [
      { name: 'README.txt', bytes: Buffer.from(packageReadme(recording, manifest, exp, keyFile)) },
      { name: 'manifest.json', bytes: manifestBytes },
      { name: 'manifest.json.sig', bytes: signature },
      { name: keyFile, bytes: pem },
      { name: 'SHA256SUMS', bytes: Buffer.from(sums.join('')) },
      { name: 'segments/' },
      ...members,
    ],
    new Date(manifest.signedAt),
  );
  return storeExport(deps, ctx, exp, { name: 'package.tar', bytes: archive, contentType: 'application/x-tar' });
};

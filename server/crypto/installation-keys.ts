/**
 * The keys every node of an installation shares: the server secret (tokens, segment URLs, device
 * secrets) and the manifest signing key. They live on each node's disk (LIUHEN_KEYS_DIR); the
 * database records their fingerprints, so a node started with other keys refuses instead of
 * signing manifests no one can tie to the others or issuing tokens the other nodes reject.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Clock } from '../clock.ts';
import type { KeyRepository } from '../db/key-repository.ts';
import type { KeyKind } from '../db/schema.ts';
import { KeysConflict } from '../errors.ts';
import { createServerSecret, loadOrCreateServerKeys, SERVER_SECRET_FILE, type ServerKeys } from './server-secret.ts';
import { createSigningKey, loadOrCreateSigningKey, SIGNING_KEY_FILE, type SigningKey } from './signing-key.ts';

export interface InstallationKeys {
  keys: ServerKeys;
  signingKey: SigningKey;
}

const FILE_OF: Record<KeyKind, string> = { server_secret: SERVER_SECRET_FILE, signing_key: SIGNING_KEY_FILE };

/** `liuhen keys init`: both keys, once; refuses if either is there, since another would orphan what it signed. */
export function initKeys(keysDir: string): InstallationKeys {
  const present = keyFiles(keysDir).filter((file) => fs.existsSync(file));
  if (present.length > 0) {
    throw new KeysConflict(
      `${present.join(' and ')} already exist${present.length === 1 ? 's' : ''}: liuhen keys init makes the keys once and never replaces them (copy this keys dir to the other nodes)`,
    );
  }
  if (!createServerSecret(keysDir) || !createSigningKey(keysDir)) throw new KeysConflict(`another process is making keys in ${keysDir} at the same time`);
  return { keys: loadOrCreateServerKeys(keysDir), signingKey: loadOrCreateSigningKey(keysDir) };
}

/** This installation's keys on this node's disk, held to the fingerprints the database records. */
export class InstallationKeyring {
  constructor(
    private readonly keysDir: string,
    private readonly recorded: KeyRepository,
    private readonly clock: Clock,
  ) {}

  /**
   * This node's keys, made on first start when the keys dir has none (the single-node default
   * needs no init step), checked against the fingerprints the database recorded from the first node.
   */
  async load(): Promise<InstallationKeys> {
    const { keysDir, recorded } = this;
    // Keys made here now could only be refused below, and would be left behind.
    const absent = missingFiles(keysDir);
    if (absent.length > 0 && ((await recorded.inForce('server_secret')) || (await recorded.inForce('signing_key')))) {
      throw new KeysConflict(`${absent.join(' and ')} missing: this installation's keys were made on another node; copy its keys dir to ${keysDir} (LIUHEN_KEYS_DIR)`);
    }
    const mine = { keys: loadOrCreateServerKeys(keysDir), signingKey: loadOrCreateSigningKey(keysDir) };
    await this.requireRecorded('server_secret', mine.keys.fingerprint);
    await this.requireRecorded('signing_key', mine.signingKey.fingerprint);
    return mine;
  }

  /**
   * A new signing key in force for the whole installation; the old one's private key is moved to
   * `retired/` (to be destroyed or kept offline), while manifests it signed stay verifiable by the
   * public key the store keeps under its fingerprint. The caller has checked this node's keys.
   */
  async rotateSigningKey(): Promise<{ retired: SigningKey; next: SigningKey; retiredFile: string }> {
    const { keysDir, recorded } = this;
    const current = path.join(keysDir, SIGNING_KEY_FILE);
    const pending = `${current}.next`;
    const retired = loadOrCreateSigningKey(keysDir);
    const inForce = (await recorded.inForce('signing_key'))!;
    if (!createSigningKey(keysDir, path.basename(pending))) throw new KeysConflict(`${pending} is left from a rotation that did not finish; remove it and rotate again`);
    const next = loadOrCreateSigningKey(keysDir, path.basename(pending));
    // From here the database names the new key: a node still holding the old one refuses to start.
    await recorded.recordNext('signing_key', inForce.generation + 1, next.fingerprint, this.clock.now());
    const retiredFile = path.join(keysDir, 'retired', `manifest-ed25519-${retired.fingerprint}.pem`);
    fs.mkdirSync(path.dirname(retiredFile), { recursive: true, mode: 0o700 });
    fs.renameSync(current, retiredFile);
    fs.renameSync(pending, current);
    return { retired, next, retiredFile };
  }

  private async requireRecorded(kind: KeyKind, fingerprint: string): Promise<void> {
    const { keysDir, recorded } = this;
    let inForce = await recorded.inForce(kind);
    if (!inForce) {
      await recorded.recordFirst(kind, fingerprint, this.clock.now());
      inForce = (await recorded.inForce(kind))!;
    }
    if (inForce.sha256 === fingerprint) return;
    throw new KeysConflict(
      `the ${kind === 'server_secret' ? 'server secret' : 'manifest signing key'} in ${path.join(keysDir, FILE_OF[kind])} (sha256 ${fingerprint}) is not this installation's ` +
        `(sha256 ${inForce.sha256}, recorded ${inForce.recorded_at}); every node must load the same keys: copy the keys dir of a running node to ${keysDir} (LIUHEN_KEYS_DIR)`,
    );
  }
}

function keyFiles(keysDir: string): string[] {
  return Object.values(FILE_OF).map((name) => path.join(keysDir, name));
}

function missingFiles(keysDir: string): string[] {
  return keyFiles(keysDir).filter((file) => !fs.existsSync(file));
}

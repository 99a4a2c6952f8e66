/**
 * The keys every node shares: `liuhen keys init` makes them once in LIUHEN_KEYS_DIR, the database
 * records their fingerprints, and a node with other keys refuses to start, naming the key.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Core, openCore } from '../../server/core.ts';
import { KeysConflict } from '../../server/errors.ts';
import { runCli } from '../helpers/cli.ts';
import { freshPostgresDatabase } from '../helpers/postgres.ts';
import { preparedClip, sealClip } from '../helpers/sealed-clip.ts';
import { configFrom, testEnv } from '../helpers/server.ts';

const opened: Core[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((c) => c.close()));
});

function keysDir(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'liuhen-keys-')), 'keys');
}

async function node(databaseUrl: string, keys: string): Promise<Core> {
  const core = await openCore(configFrom(await testEnv({ LIUHEN_DATABASE_URL: databaseUrl, LIUHEN_KEYS_DIR: keys })));
  opened.push(core);
  return core;
}

describe('nodes sharing one database', () => {
  it('with the same keys dir both start; with another, the second refuses, naming the key and the dir', async () => {
    const db = await freshPostgresDatabase();
    const shared = keysDir();
    const first = await node(db, shared);
    const second = await node(db, shared);
    expect(second.signingKey.fingerprint).toBe(first.signingKey.fingerprint);

    // A node whose operator ran `keys init` on it too: keys of its own.
    const own = keysDir();
    expect((await runCli(['keys', 'init'], { LIUHEN_KEYS_DIR: own })).code).toBe(0);
    const refused = node(db, own);
    await expect(refused).rejects.toBeInstanceOf(KeysConflict);
    await expect(refused).rejects.toThrow(`the server secret in ${path.join(own, 'server-secret')}`);
    await expect(refused).rejects.toThrow('LIUHEN_KEYS_DIR');

    // The same secret with another signing key: the refusal names the signing key.
    const mixed = keysDir();
    fs.mkdirSync(mixed);
    fs.copyFileSync(path.join(shared, 'server-secret'), path.join(mixed, 'server-secret'));
    fs.copyFileSync(path.join(own, 'manifest-ed25519.pem'), path.join(mixed, 'manifest-ed25519.pem'));
    await expect(node(db, mixed)).rejects.toThrow(`the manifest signing key in ${path.join(mixed, 'manifest-ed25519.pem')}`);
  }, 60_000);

  it('a node with no keys at all refuses once the installation has some, and makes none', async () => {
    const db = await freshPostgresDatabase();
    await node(db, keysDir());
    const empty = keysDir();
    await expect(node(db, empty)).rejects.toThrow(/missing: this installation's keys were made on another node/);
    expect(fs.existsSync(empty)).toBe(false);
  }, 60_000);

  it('a single node still makes its keys on first start, where they always were (<data dir>/keys)', async () => {
    const config = configFrom(await testEnv());
    opened.push(await openCore(config));
    expect(fs.existsSync(path.join(config.dataDir, 'keys', 'server-secret'))).toBe(true);
    expect(fs.existsSync(path.join(config.dataDir, 'keys', 'manifest-ed25519.pem'))).toBe(true);
  });
});

describe('liuhen keys init', () => {
  it('makes both keys once, prints their fingerprints, and never replaces them', async () => {
    const dir = keysDir();
    const made = await runCli(['keys', 'init'], { LIUHEN_KEYS_DIR: dir });
    expect(made).toMatchObject({ code: 0, stderr: '' });
    const secret = fs.readFileSync(path.join(dir, 'server-secret'));
    expect(fs.statSync(path.join(dir, 'server-secret')).mode & 0o777).toBe(0o400);
    expect(fs.statSync(path.join(dir, 'manifest-ed25519.pem')).mode & 0o777).toBe(0o400);

    const again = await runCli(['keys', 'init'], { LIUHEN_KEYS_DIR: dir });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already exist');
    expect(fs.readFileSync(path.join(dir, 'server-secret'))).toEqual(secret);

    // A node loads exactly these: the fingerprint it signs with is the one init printed.
    const core = await node(`sqlite:${path.join(path.dirname(dir), 'liuhen.sqlite')}`, dir);
    expect(made.stdout).toContain(`public key sha256 ${core.signingKey.fingerprint}`);
    expect(made.stdout).toContain(`sha256 ${core.keys.fingerprint}`);
  }, 60_000);
});

describe('liuhen keys rotate-signing', () => {
  it('puts a new signing key in force; what the old one signed still verifies, and a node with the old key refuses', async () => {
    const env = await testEnv();
    const config = configFrom(env);
    const before = await openCore(config);
    const camera = (await before.devices.add({ kind: 'bodycam', officerBadge: 'KR-1', unit: 'u1' }, 'test')).device;
    const old = await sealClip(before, camera, preparedClip({ seconds: 2 }));
    const oldFingerprint = before.signingKey.fingerprint;
    await before.close();
    const stale = keysDir();
    fs.cpSync(config.keysDir, stale, { recursive: true });

    const rotated = await runCli(['keys', 'rotate-signing'], env);
    expect(rotated).toMatchObject({ code: 0, stderr: '' });
    expect(rotated.stdout).toContain(`the old one, sha256 ${oldFingerprint}`);
    expect(fs.existsSync(path.join(config.keysDir, 'retired', `manifest-ed25519-${oldFingerprint}.pem`))).toBe(true);

    const after = await openCore(config);
    opened.push(after);
    expect(after.signingKey.fingerprint).not.toBe(oldFingerprint);
    expect(rotated.stdout).toContain(`now sha256 ${after.signingKey.fingerprint}`);
    const audited = await after.audit.query({ action: 'keys.rotate_signing' });
    expect(audited.map((e) => ({ actor: e.actor, subject: e.subject, detail: JSON.parse(e.detail) as unknown }))).toEqual([
      { actor: expect.stringMatching(/^cli:/), subject: after.signingKey.fingerprint, detail: { retired: oldFingerprint } },
    ]);
    const fresh = await sealClip(after, camera, preparedClip({ seconds: 2 }));
    expect((await after.recordingVerification.check(old.id)).ok).toBe(true);
    expect((await after.recordingVerification.check(fresh.id)).ok).toBe(true);

    await expect(openCore(configFrom({ ...env, LIUHEN_KEYS_DIR: stale }))).rejects.toThrow(`the manifest signing key in ${path.join(stale, 'manifest-ed25519.pem')} (sha256 ${oldFingerprint})`);
  }, 120_000);
});

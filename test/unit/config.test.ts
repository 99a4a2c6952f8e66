import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from '../../server/auth/password.ts';
import { nodeTimings } from '../../server/cluster/node-presence.ts';
import { loadConfig } from '../../server/config.ts';
import { ConfigInvalid } from '../../server/errors.ts';

describe('configuration from LIUHEN_* variables', () => {
  it('has embedded defaults: local WORM directory and SQLite under the data folder', () => {
    const c = loadConfig({ LIUHEN_DATA_DIR: '/srv/liuhen' });
    expect(c).toMatchObject({ dataDir: '/srv/liuhen', httpPort: 8080, rtmpPort: 1935, databaseUrl: 'sqlite:/srv/liuhen/liuhen.sqlite', segmentSeconds: 2, graceSeconds: 30, nodeLeaseSeconds: 10 });
    expect(c.store).toEqual({ kind: 'local', root: '/srv/liuhen/evidence' });
    // No shared default: each installation derives its own from its database (server/queue/queue-prefix.ts).
    expect(c.queue.prefix).toBeUndefined();
    expect(loadConfig({ LIUHEN_DATA_DIR: '/srv/liuhen', LIUHEN_QUEUE_PREFIX: 'site-a' }).queue.prefix).toBe('site-a');
  });

  it.each([
    ['LIUHEN_HTTP_PORT', 'eighty'],
    ['LIUHEN_RTMP_PORT', '70000'],
    ['LIUHEN_STORE', 'ftp'],
    ['LIUHEN_DATABASE_URL', 'mysql://x'],
    ['LIUHEN_SEGMENT_SECONDS', '0'],
    ['LIUHEN_NODE_LEASE_SECONDS', '0.5'],
    ['LIUHEN_PASSWORD_COST', '9'],
    ['LIUHEN_STOP_DRAIN_SECONDS', '0'],
  ])('names %s when its value %s is bad', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigInvalid);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`${name}: .*got "${value}"`));
  });

  it('takes the node lease; a node beats 0.3 of it, 3 s of the default 10 s', () => {
    expect(nodeTimings(loadConfig({}).nodeLeaseSeconds)).toEqual({ leaseMs: 10_000, beatMs: 3000 });
    expect(nodeTimings(loadConfig({ LIUHEN_NODE_LEASE_SECONDS: '5' }).nodeLeaseSeconds)).toEqual({ leaseMs: 5000, beatMs: 1500 });
  });

  it('hashes new passwords at LIUHEN_PASSWORD_COST, 15 unless set, and a hash of either cost verifies', async () => {
    const cost = (c: { passwordCost: number }) => hashPassword('Chosen-Passw0rd!', c.passwordCost);
    const usual = await cost(loadConfig({}));
    const cheap = await cost(loadConfig({ LIUHEN_PASSWORD_COST: '10' }));
    expect(usual).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(cheap).toMatch(/^scrypt\$1024\$8\$1\$/);
    for (const hash of [usual, cheap]) {
      expect(await verifyPassword('Chosen-Passw0rd!', hash)).toBe(true);
      expect(await verifyPassword('Chosen-Passw0rd?', hash)).toBe(false);
    }
  });

  it('says which S3 settings are missing', () => {
    expect(() => loadConfig({ LIUHEN_STORE: 's3', LIUHEN_S3_BUCKET: 'evidence' })).toThrow(/needs LIUHEN_S3_ACCESS_KEY_ID, LIUHEN_S3_SECRET_ACCESS_KEY/);
  });
});

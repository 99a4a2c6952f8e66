/**
 * The node registry (server/cluster/node-presence.ts) over a real database: a node registers,
 * its heartbeat moves, a clean stop marks it stopped, and a database that fails costs beats,
 * never the node.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../server/clock.ts';
import { DEFAULT_NODE_TIMINGS, NODE_LEASE_MS, NodePresence } from '../../server/cluster/node-presence.ts';
import { admitNode } from '../../server/cluster/node-admission.ts';
import { ALL_ROLES } from '../../server/cluster/roles.ts';
import { type Db, openDatabase } from '../../server/db/database.ts';
import { NodeRepository } from '../../server/db/node-repository.ts';
import type { ClusterNode } from '../../server/db/schema.ts';
import { waitFor } from '../helpers/wait.ts';

const log = pino({ level: 'silent' });
const since = () => new Date(Date.now() - NODE_LEASE_MS).toISOString();

describe('a node in the registry', () => {
  let db: Db;
  let nodes: NodeRepository;
  beforeAll(async () => {
    db = await openDatabase(`sqlite:${path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'liuhen-nodes-')), 'liuhen.sqlite')}`);
    nodes = new NodeRepository(db);
  });
  afterAll(async () => db?.destroy());

  it('registers with its host, pid and roles, beats, and is marked stopped by a clean stop', async () => {
    const node = new NodePresence(nodes, new Set(['ingest', 'api']), log, systemClock, { ...DEFAULT_NODE_TIMINGS, beatMs: 50 });
    expect(await node.join()).toEqual([]);
    const [row] = (await nodes.liveSince(since())).filter((n) => n.id === node.id);
    expect(row).toMatchObject({ host: os.hostname(), pid: process.pid, roles: 'ingest,api', stopped_at: null });
    node.start();
    await waitFor('a heartbeat', async () => (await nodes.liveSince(row!.started_at)).find((n) => n.id === node.id && n.heartbeat_at > row!.heartbeat_at), 2000, 20);
    await node.stop();
    expect((await nodes.liveSince(since())).map((n) => n.id)).not.toContain(node.id);
  });

  it("counts another host's node live while its heartbeat is within the lease, and a killed process of this host as gone", async () => {
    const now = new Date().toISOString();
    const old = new Date(Date.now() - NODE_LEASE_MS - 1000).toISOString();
    const other = { host: 'elsewhere', pid: 4242, roles: 'api', started_at: old };
    await nodes.register({ ...other, id: 'node-live', heartbeat_at: now });
    await nodes.register({ ...other, id: 'node-lapsed', heartbeat_at: old });
    // pid 2^22 + 1 is above Linux's pid_max: no process has it.
    await nodes.register({ ...other, host: os.hostname(), pid: 4_194_305, id: 'node-killed', heartbeat_at: now });
    const node = new NodePresence(nodes, ALL_ROLES, log);
    expect((await node.join()).map((n) => n.id)).toEqual(['node-live']);
    expect((await nodes.liveSince(since())).map((n) => n.id)).not.toContain('node-killed');
    await node.stop();
  });

  it('keeps beating through database errors', async () => {
    let failing = true;
    let beats = 0;
    const flaky = Object.assign(Object.create(NodeRepository.prototype) as NodeRepository, {
      beat: async () => {
        if (failing) throw new Error('database gone');
        beats += 1;
        return true;
      },
      markStopped: async () => {
        throw new Error('database gone');
      },
    });
    const node = new NodePresence(flaky, ALL_ROLES, log, systemClock, { ...DEFAULT_NODE_TIMINGS, beatMs: 20 });
    node.start();
    await new Promise((r) => setTimeout(r, 100));
    failing = false;
    await waitFor('a beat once the database answers', () => beats > 0, 2000, 10);
    await node.stop();
  });
});

describe('admitting a node', () => {
  const other: ClusterNode = { id: 'node-a', host: 'h1', pid: 1, roles: 'ingest,api,worker', started_at: 'x', heartbeat_at: 'x', stopped_at: null };
  const s3 = { kind: 's3' as const, endpoint: undefined, region: 'r', bucket: 'b', accessKeyId: 'k', secretAccessKey: 's', forcePathStyle: true };
  const local = { kind: 'local' as const, root: '/x' };

  it('lets the first node in anywhere, and a second only over PostgreSQL and S3', () => {
    expect(() => admitNode({ databaseUrl: 'sqlite:/x', store: local }, [])).not.toThrow();
    expect(() => admitNode({ databaseUrl: 'postgres://h/db', store: s3 }, [other])).not.toThrow();
    expect(() => admitNode({ databaseUrl: 'sqlite:/x', store: s3 }, [other])).toThrow(/node-a \(h1, pid 1.*the metadata database is SQLite, which belong/);
    expect(() => admitNode({ databaseUrl: 'sqlite:/x', store: local }, [other])).toThrow(/SQLite and the evidence store is the local WORM directory/);
  });
});

/**
 * Private instances of the services a fault test stops and starts: a second RADOS Gateway on the
 * shared test Ceph cluster, and a PostgreSQL server with its own data dir and port. The shared
 * ones stay up for the test files running beside.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cephS3 } from './ceph.ts';
import { freePort } from './ports.ts';
import { waitFor } from './wait.ts';

const CEPH_DIR = process.env.DIR ?? '/tmp/liuhen-ceph';

export interface Restartable {
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** Neither exited nor killed (a killed process has a signal, not an exit code). */
const isRunning = (c: ChildProcess) => c.exitCode === null && c.signalCode === null;

/** A gateway of its own (`client.rgw.<name>`) on the cluster start-ceph.sh made; same users and buckets. */
export async function privateRgw(name: string): Promise<Restartable & { endpoint: string }> {
  await cephS3();
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  // As start-ceph.sh configures client.rgw.a: no cephx, so the monitor connection must not ask for it.
  const start = async () => {
    // Started already (a test's afterAll starts it in case the test stopped it): one gateway, not two.
    if (child && isRunning(child)) return;
    child = spawn(
      'radosgw',
      [
        '-f',
        '-c',
        path.join(CEPH_DIR, 'ceph.conf'),
        '-n',
        `client.rgw.${name}`,
        `--rgw_frontends=beast endpoint=127.0.0.1:${port}`,
        `--rgw_data=${path.join(CEPH_DIR, `rgw.${name}`)}`,
        '--ms_mon_client_mode=crc',
      ],
      { stdio: 'ignore' },
    );
    await waitFor(`radosgw ${name} to answer`, async () => (await fetch(`${endpoint}/`).catch(() => undefined)) !== undefined, 60_000, 250);
  };
  const stop = async () => {
    const c = child;
    if (!c || !isRunning(c)) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
  };
  // A gateway that never answered is not left running once the test has failed.
  await start().catch(async (err: unknown) => {
    await stop();
    throw err;
  });
  return { url: endpoint, endpoint, start, stop };
}

function pgBin(tool: string): string {
  const version = fs.readdirSync('/usr/lib/postgresql').sort().at(-1)!;
  return path.join('/usr/lib/postgresql', version, 'bin', tool);
}

/** As the postgres user: PostgreSQL refuses to run as root. */
function asPostgres(tool: string, args: string[]): void {
  execFileSync('runuser', ['-u', 'postgres', '--', pgBin(tool), ...args], { stdio: 'ignore' });
}

/** A throwaway PostgreSQL cluster (trust auth on loopback); `url` names its `liuhen` database. */
export async function privatePostgres(): Promise<Restartable> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'liuhen-pg-'));
  fs.chownSync(dir, Number(execFileSync('id', ['-u', 'postgres']).toString()), Number(execFileSync('id', ['-g', 'postgres']).toString()));
  const data = path.join(dir, 'data');
  const port = await freePort();
  asPostgres('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8']);
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  const start = async () => {
    asPostgres('pg_ctl', ['-D', data, '-o', opts, '-l', path.join(dir, 'log'), '-w', 'start']);
  };
  const stop = async () => {
    asPostgres('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
  };
  await start();
  execFileSync(pgBin('createdb'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', 'liuhen']);
  return { url: `postgres://postgres@127.0.0.1:${port}/liuhen`, start, stop };
}

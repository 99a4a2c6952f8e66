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

/** The last lines of a gateway's log (ceph.conf sends each daemon's log to log/<name>.log). */
function logTail(name: string): string {
  const file = path.join(CEPH_DIR, 'log', `client.rgw.${name}.log`);
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').slice(-15).join('\n') : `(no ${file})`;
}

class GatewayFailed extends Error {
  constructor(
    message: string,
    readonly exited: boolean,
  ) {
    super(message);
  }
}

/**
 * A gateway of its own (`client.rgw.<name>`) on the cluster start-ceph.sh made; same users and
 * buckets. A gateway that exits before it answers (its port taken meanwhile, the monitor busy) is
 * started again on a new port, up to three times; one that stays silent fails the test with its log
 * (CI once waited 60 s on one that answered nothing and left no word why).
 */
export async function privateRgw(name: string): Promise<Restartable & { endpoint: string }> {
  await cephS3();
  let port = await freePort();
  let child: ChildProcess | undefined;
  const endpoint = () => `http://127.0.0.1:${port}`;
  const launch = async () => {
    const c = spawn(
      'radosgw',
      [
        '-f',
        '-c',
        path.join(CEPH_DIR, 'ceph.conf'),
        '-n',
        `client.rgw.${name}`,
        `--rgw_frontends=beast endpoint=127.0.0.1:${port}`,
        `--rgw_data=${path.join(CEPH_DIR, `rgw.${name}`)}`,
        // As start-ceph.sh configures client.rgw.a: no cephx, so the monitor connection must not ask for it.
        '--ms_mon_client_mode=crc',
      ],
      { stdio: 'ignore' },
    );
    child = c;
    const state = await waitFor(`radosgw ${name} to answer`, async () => (!isRunning(c) ? 'exited' : (await fetch(`${endpoint()}/`).catch(() => undefined)) && 'answered'), 90_000, 250).catch(
      () => 'silent',
    );
    if (state === 'answered') return;
    await stop();
    const what = state === 'exited' ? `exited (${c.exitCode ?? c.signalCode})` : 'did not answer in 90 s';
    throw new GatewayFailed(`radosgw ${name} on port ${port} ${what}; its log ends:\n${logTail(name)}`, state === 'exited');
  };
  const stop = async () => {
    const c = child;
    if (!c || !isRunning(c)) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
  };
  // Started already (a test's afterAll starts it in case the test stopped it): one gateway, not two.
  const start = async () => (child && isRunning(child) ? undefined : launch());
  for (let attempt = 1; ; attempt++) {
    const err = await launch().catch((e: unknown) => e);
    if (!err) break;
    if (attempt === 3 || !(err instanceof GatewayFailed && err.exited)) throw err;
    port = await freePort();
  }
  return { url: endpoint(), endpoint: endpoint(), start, stop };
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

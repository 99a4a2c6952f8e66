import { type ChildProcess, spawn } from 'node:child_process';
import { CLI_BUNDLE } from './cli-bundle.ts';
import { waitFor } from './wait.ts';

export interface ServerProcess {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

/**
 * `liuhen up` as its own process, as an operator runs it; resolves once it says it is up.
 * `fdLimit`: soft and hard descriptor limit, set by prlimit(1) (which execs: the pid is the server's).
 */
export async function startServerProcess(env: Record<string, string>, opts: { fdLimit?: number } = {}): Promise<ServerProcess> {
  const up = [process.execPath, CLI_BUNDLE, 'up'];
  const [command, ...args] = opts.fdLimit === undefined ? up : ['prlimit', `--nofile=${opts.fdLimit}:${opts.fdLimit}`, ...up];
  const child = spawn(command!, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let gone = false;
  void exited.then(() => (gone = true));
  await waitFor(
    'liuhen up to start',
    () => {
      if (gone) throw new Error(`liuhen up exited:\n${out}`);
      return out.includes('liuhen is up');
    },
    60_000,
    100,
  );
  return { child, output: () => out, exited };
}

/**
 * Descriptors: every camera, viewer, segment file and database handle costs one, and running out
 * must degrade a recording, never the process. Node raises its soft RLIMIT_NOFILE to the hard
 * limit before any JavaScript runs (node.cc, PlatformInit), so normally there is nothing to do;
 * Node has no setrlimit, so where that did not happen prlimit(1) does it for our pid. The hard
 * limit is the operator's to set. Use and limit are published as metrics.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import { promisify } from 'node:util';
import type { Logger } from 'pino';
import type { Metrics } from './metrics.ts';

const SAMPLE_MS = 5000;
/** warn once use passes this share of the limit, so an operator hears before EMFILE does */
const WARN_SHARE = 0.8;

export interface FdLimit {
  soft: number;
  hard: number;
}

/** "Max open files" of /proc/<pid>/limits; "unlimited" reads as Infinity. */
export async function readFdLimit(pid: number | 'self' = 'self'): Promise<FdLimit> {
  const text = await fs.readFile(`/proc/${pid}/limits`, 'utf8');
  const m = /^Max open files\s+(\S+)\s+(\S+)/m.exec(text);
  if (!m) throw new Error(`no "Max open files" line in /proc/${pid}/limits`);
  const value = (s: string) => (s === 'unlimited' ? Infinity : Number(s));
  return { soft: value(m[1]!), hard: value(m[2]!) };
}

/** Raises the soft descriptor limit of `pid` to its hard limit; returns the limit in force. */
export async function raiseFdLimit(pid: number, log: Logger): Promise<FdLimit> {
  const limit = await readFdLimit(pid);
  if (limit.soft >= limit.hard) return limit;
  const hard = Number.isFinite(limit.hard) ? String(limit.hard) : 'unlimited';
  try {
    await promisify(execFile)('prlimit', ['--pid', String(pid), `--nofile=${hard}:${hard}`]);
  } catch (err) {
    log.warn({ err, limit }, 'could not raise the descriptor limit; running with the soft limit');
  }
  return readFdLimit(pid);
}

/** Raises this process's limit, then samples descriptor use into the metrics every few seconds. */
export async function watchProcessLimits(metrics: Metrics, log: Logger): Promise<{ stop(): void }> {
  let limit = await raiseFdLimit(process.pid, log).catch((err: unknown) => {
    log.warn({ err }, 'descriptor limit unknown');
    return undefined;
  });
  let warned = false;
  const sample = async () => {
    // Both reads need a descriptor themselves: at the limit they fail, and the last limit stands.
    limit = await readFdLimit().catch(() => limit);
    if (limit) metrics.maxFds.set(limit.soft);
    const open = await fs.readdir('/proc/self/fd').then(
      // readdir's own descriptor is in the listing
      (fds) => fds.length - 1,
      (err: NodeJS.ErrnoException) => (err.code === 'EMFILE' ? limit?.soft : undefined),
    );
    if (open === undefined) return;
    metrics.openFds.set(open);
    const high = limit !== undefined && open >= limit.soft * WARN_SHARE;
    if (high && !warned) log.warn({ open, limit: limit!.soft }, 'open descriptors near the limit');
    if (!high && warned) log.info({ open, limit: limit?.soft }, 'open descriptors below the warning level again');
    warned = high;
  };
  await sample();
  const timer = setInterval(() => void sample(), SAMPLE_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

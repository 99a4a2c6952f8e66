/**
 * This node in the deployment's node registry (the `nodes` table): registered at start with its
 * host, pid and roles, its heartbeat moved every few seconds, marked stopped on a clean stop.
 * Another node counts it live while its heartbeat is younger than the lease. A database that does
 * not answer costs a beat, never the node: the next beat tries again.
 */
import os from 'node:os';
import type { Logger } from 'pino';
import { type Clock, systemClock } from '../clock.ts';
import { Beat } from './beat.ts';
import type { NodeRepository } from '../db/node-repository.ts';
import type { ClusterNode } from '../db/schema.ts';
import { newId } from '../ids.ts';
import type { Roles } from './roles.ts';

/** A node whose heartbeat is older than this is gone (the default of LIUHEN_NODE_LEASE_SECONDS). */
export const NODE_LEASE_MS = 10_000;
export const NODE_BEAT_MS = 3000;

/** The lease and how often a node beats within it: the default's share, so a late beat or two still keep a node live. */
export interface NodeTimings {
  leaseMs: number;
  beatMs: number;
}

export function nodeTimings(leaseSeconds: number): NodeTimings {
  const leaseMs = Math.round(leaseSeconds * 1000);
  return { leaseMs, beatMs: Math.round((leaseMs * NODE_BEAT_MS) / NODE_LEASE_MS) };
}

/** The default lease's timings (LIUHEN_NODE_LEASE_SECONDS unset). */
export const DEFAULT_NODE_TIMINGS: NodeTimings = nodeTimings(NODE_LEASE_MS / 1000);

export class NodePresence {
  readonly id = newId('node');
  private readonly beats: Beat;
  /** a failed beat was logged; its end will be too */
  private failing = false;

  constructor(
    private readonly nodes: NodeRepository,
    private readonly roles: Roles,
    private readonly log: Logger,
    private readonly clock: Clock = systemClock,
    private readonly timings: NodeTimings = DEFAULT_NODE_TIMINGS,
  ) {
    this.beats = new Beat(() => this.beat(), timings.beatMs);
  }

  /** Registers this node and returns the other nodes live now. */
  async join(): Promise<ClusterNode[]> {
    const now = this.clock.now().toISOString();
    await this.nodes.register({ id: this.id, host: os.hostname(), pid: process.pid, roles: [...this.roles].join(','), started_at: now, heartbeat_at: now });
    const others = (await this.nodes.liveSince(new Date(this.clock.now().getTime() - this.timings.leaseMs).toISOString())).filter((n) => n.id !== this.id);
    const live: ClusterNode[] = [];
    for (const n of others) {
      const state = processState(n);
      if (state === 'gone') await this.nodes.markStopped(n.id, now);
      if (state === 'running') live.push(n);
    }
    return live;
  }

  start(): void {
    this.beats.start();
  }

  async stop(): Promise<void> {
    await this.beats.stop();
    await this.nodes.markStopped(this.id, this.clock.now().toISOString()).catch((err) => this.log.warn({ err }, 'node registry: could not mark this node stopped; its lease lapses instead'));
  }

  private async beat(): Promise<void> {
    try {
      if (!(await this.nodes.beat(this.id, this.clock.now().toISOString()))) this.log.warn({ node: this.id }, 'node registry: this node was marked stopped by another');
      if (this.failing) this.log.info('node registry: heartbeat moves again');
      this.failing = false;
    } catch (err) {
      if (!this.failing) this.log.warn({ err }, 'node registry: heartbeat failed; trying again at the next beat');
      this.failing = true;
    }
  }
}

/**
 * Whether a node's process still runs, as far as this one can tell: on this host, a node killed
 * and started again before its lease lapsed is `gone`. One with this process's pid is `this`
 * process: a former process that had the same pid (pid 1 in a container), or this one (tests
 * start several servers in one process); neither is another node.
 */
function processState(n: ClusterNode): 'running' | 'gone' | 'this' {
  if (n.host !== os.hostname()) return 'running';
  if (n.pid === process.pid) return 'this';
  try {
    process.kill(n.pid, 0);
    return 'running';
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH' ? 'gone' : 'running';
  }
}

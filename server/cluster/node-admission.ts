/**
 * Whether this node may join the nodes already live. SQLite and the local WORM directory are files
 * on one machine: a second node would write the same database file or a store only its own
 * machine sees, and two nodes would each take the same recordings for their own after a restart.
 * So a deployment on either runs one node; several nodes need PostgreSQL and S3.
 */
import type { Config } from '../config.ts';
import type { ClusterNode } from '../db/schema.ts';
import { LiuhenError } from '../errors.ts';

export class SecondNodeRefused extends LiuhenError {
  constructor(message: string) {
    super('second_node_refused', message);
  }
}

/** What ties this deployment to one machine, in words; empty when nothing does. */
export function oneMachineParts(config: Pick<Config, 'databaseUrl' | 'store'>): string[] {
  return [...(config.databaseUrl.startsWith('sqlite:') ? ['the metadata database is SQLite'] : []), ...(config.store.kind === 'local' ? ['the evidence store is the local WORM directory'] : [])];
}

/** Throws SecondNodeRefused when another node is live and this deployment is one machine's. */
export function admitNode(config: Pick<Config, 'databaseUrl' | 'store'>, othersLive: ClusterNode[]): void {
  const parts = oneMachineParts(config);
  if (othersLive.length === 0 || parts.length === 0) return;
  const others = othersLive.map((n) => `${n.id} (${n.host}, pid ${n.pid}, since ${n.started_at})`).join(', ');
  throw new SecondNodeRefused(
    `another node is running on this deployment: ${others}. Not starting a second one: ${parts.join(' and ')}, ` +
      `which belong to one machine. Stop the other node, or run several nodes over PostgreSQL (LIUHEN_DATABASE_URL=postgres://…) and S3 (LIUHEN_STORE=s3).`,
  );
}

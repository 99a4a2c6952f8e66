/**
 * Which node should pull a fixed camera: of the candidate nodes, the one whose hash with the
 * camera is highest (rendezvous hashing). Every node computes the same answer from the same list
 * without asking another, cameras spread evenly over nodes, and a node leaving moves only its own
 * cameras: the others' preferred node stays the same.
 */
import { createHash } from 'node:crypto';

export function preferredNode(deviceId: string, nodeIds: readonly string[]): string | undefined {
  let best: { node: string; weight: string } | undefined;
  for (const node of nodeIds) {
    const weight = createHash('sha256').update(deviceId).update('\n').update(node).digest('hex');
    if (!best || weight > best.weight) best = { node, weight };
  }
  return best?.node;
}

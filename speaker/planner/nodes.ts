// Which nodes may announce at all: MetalLB skips excluded and network-unavailable nodes.
import type { V1Node } from '@kubernetes/client-node';
import { SkipReason } from './types.ts';

export const EXCLUDE_LABEL = 'node.kubernetes.io/exclude-from-external-load-balancers';

/** Why the node announces nothing, or undefined when it may announce. */
export function nodeUnusableReason(node: V1Node | undefined): SkipReason | undefined {
  if (!node) return SkipReason.NodeNotFound;
  // The label's presence counts, whatever its value (as Kubernetes' service controller reads it).
  if (Object.hasOwn(node.metadata?.labels ?? {}, EXCLUDE_LABEL)) return SkipReason.NodeExcluded;
  const unavailable = (node.status?.conditions ?? []).some((c) => c.type === 'NetworkUnavailable' && c.status === 'True');
  return unavailable ? SkipReason.NetworkUnavailable : undefined;
}

export function nodesByName(nodes: readonly V1Node[]): Map<string, V1Node> {
  return new Map(nodes.flatMap((n) => (n.metadata?.name ? [[n.metadata.name, n] as const] : [])));
}

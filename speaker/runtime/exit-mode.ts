// Pure: what SIGTERM does on this node. A restart exit (RFC 4724) when the node stays and a
// peer has graceful restart: those peers keep our routes (stale) while the next speaker Pod
// starts — a rollout, a container restart. Anything that says the node is going (cordoned
// for a drain, being removed, not Ready, e.g. kubelet's graceful node shutdown) or no
// graceful-restart peer: withdraw (RFC 8326 GRACEFUL_SHUTDOWN, then withdraw and Cease), so
// routers stop forwarding to a node that will not come back within the restart time.
import type { V1Node } from '@kubernetes/client-node';
import type { BgpPeer } from '../../lib/config/index.ts';

export type ExitMode = { restart: true; peers: string[] } | { restart: false; reason: string };

/** NoSchedule/NoExecute taints that autoscalers and operators put on a node they are removing. */
export const LEAVING_TAINTS: readonly string[] = ['ToBeDeletedByClusterAutoscaler', 'karpenter.sh/disrupted', 'node.kubernetes.io/out-of-service'];

/**
 * `gracefulRestartNeeded: false` (host-frr: the node's FRR keeps the routes whatever Portside
 * does): a node that stays is a restart exit for every peer.
 */
export function exitMode(node: V1Node | undefined, peers: readonly BgpPeer[], { gracefulRestartNeeded = true } = {}): ExitMode {
  if (!node) return { restart: false, reason: 'this node\'s Node object is unknown' };
  if (node.spec?.unschedulable) return { restart: false, reason: 'node cordoned (drain)' };
  const leaving = node.spec?.taints?.find((t) => LEAVING_TAINTS.includes(t.key) && t.effect !== 'PreferNoSchedule');
  if (leaving) return { restart: false, reason: `node tainted ${leaving.key}` };
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  if (ready?.status !== 'True') return { restart: false, reason: `node not Ready${ready?.message ? ` (${ready.message})` : ''}` };
  const restartable = peers.filter((p) => p.enableGracefulRestart || !gracefulRestartNeeded).map((p) => p.name);
  if (restartable.length === 0) return { restart: false, reason: 'no BGPPeer of this node has enableGracefulRestart' };
  return { restart: true, peers: restartable };
}

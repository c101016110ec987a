// Pure: what the speaker reads off Node and Secret objects — this node's addresses and
// identity for BGP, the BGPPeers selected for it, the liveness watch set and key.
import type { V1Node, V1Secret } from '@kubernetes/client-node';
import type { BgpPeer, Config } from '../../lib/config/index.ts';
import { type Family, parseIp } from '../../lib/ip/index.ts';
import { compareCodePoints } from '../../lib/order/index.ts';
import { matchesAnySelector } from '../../lib/selector/index.ts';
import type { NodeIdentity } from '../bgp/index.ts';
import type { LivenessPeer } from '../liveness/mesh.ts';
import { nodeUnusableReason } from '../planner/index.ts';

import { LIVENESS_SECRET, LIVENESS_SECRET_KEY } from '../../lib/liveness/key-secret.ts';

export { LIVENESS_SECRET, LIVENESS_SECRET_KEY };

/** InternalIP addresses of a node, in status order (IPv4 and IPv6). */
export function internalIps(node: V1Node | undefined): string[] {
  return (node?.status?.addresses ?? []).filter((a) => a.type === 'InternalIP' && a.address).map((a) => a.address);
}

export function nodeIdentity(name: string, node: V1Node | undefined): NodeIdentity {
  return { name, addresses: internalIps(node) };
}

/** Empty selectors select every node (MetalLB). */
function selectsNode(selectors: BgpPeer['nodeSelectors'], labels: Record<string, string>): boolean {
  return selectors.length === 0 || matchesAnySelector(selectors, labels);
}

/** BGPPeers whose nodeSelectors match this node, by name; none when the node cannot announce. */
export function peersForNode(config: Config, node: V1Node | undefined): BgpPeer[] {
  if (nodeUnusableReason(node) !== undefined) return [];
  const labels = node?.metadata?.labels ?? {};
  return [...config.bgpPeers.values()].filter((p) => selectsNode(p.nodeSelectors, labels));
}

/**
 * The liveness watch set: every usable node some L2Advertisement selects, when this node is
 * one of them (else nobody). It is a superset of the candidates of any one IP, but it does
 * not depend on Services or endpoints, so it is symmetric and already warm when a Service
 * appears (a per-IP set would start cold and let two nodes claim an IP until heartbeats
 * arrive). Cost: one heartbeat per 100 ms to each L2-eligible node — fine to a few hundred.
 */
export function livenessPeers(config: Config, self: string, nodes: readonly V1Node[]): LivenessPeer[] {
  if (config.l2Advertisements.length === 0) return [];
  const eligible = nodes.filter((n) => {
    if (nodeUnusableReason(n) !== undefined) return false;
    const labels = n.metadata?.labels ?? {};
    return config.l2Advertisements.some((a) => selectsNode(a.nodeSelectors, labels));
  });
  if (!eligible.some((n) => n.metadata?.name === self)) return [];
  const selfFamily = familyOf(internalIps(eligible.find((n) => n.metadata?.name === self))[0]);
  if (selfFamily === undefined) return [];
  return eligible
    .filter((n) => n.metadata?.name && n.metadata.name !== self)
    .flatMap((n) => {
      // One address per peer, of our bind family: the mesh's socket is single-family.
      const address = internalIps(n).find((a) => familyOf(a) === selfFamily);
      return address ? [{ node: n.metadata!.name!, address }] : [];
    })
    .sort((a, b) => compareCodePoints(a.node, b.node));
}

function familyOf(address: string | undefined): Family | undefined {
  return address === undefined ? undefined : parseIp(address)?.family;
}

export type LivenessKey = { ok: true; key: Uint8Array } | { ok: false; reason: string };

/** The shared HMAC key from the Secret (raw bytes of data.key). */
export function livenessKey(secret: V1Secret | undefined): LivenessKey {
  if (!secret) return { ok: false, reason: `Secret ${LIVENESS_SECRET} not found` };
  const data = secret.data?.[LIVENESS_SECRET_KEY];
  if (!data) return { ok: false, reason: `Secret ${LIVENESS_SECRET} has no data.${LIVENESS_SECRET_KEY}` };
  const key = Buffer.from(data, 'base64');
  if (key.length < 16) return { ok: false, reason: `Secret ${LIVENESS_SECRET} data.${LIVENESS_SECRET_KEY} is shorter than 16 bytes` };
  return { ok: true, key };
}

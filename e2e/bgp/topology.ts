// The speaker interop tests' topology over the lab builder: a "tor" router namespace at .1
// and speaker nodes at .10, .11, … on one switch; documentation addresses and private ASNs.
import type { Lab, Netns } from '../netns/index.ts';
import { buildLab, type BuiltLab, type LabNode } from '../lab/builder.ts';
import type { PeerSpec } from './worker-protocol.ts';

export const LAN = { v4: '198.51.100.0/24', v6: '2001:db8:100::/64' } as const;
export const LAN4 = LAN.v4;
export const TOR = { v4: '198.51.100.1', v6: '2001:db8:100::1', asn: 64512 } as const;
export const NODE_ASN = 64600;
/** Our standard communities on every test route. */
export const COMMUNITY = '64600:100';
export const LARGE_COMMUNITY = '64600:1:2';

/** Fast timers so a lab reconnects in about a second. */
export const FAST = { connectTimeS: 1, holdTimeS: 9, keepaliveS: 3 } as const;
export const FAST_DEFAULTS = { connectTime: 1, maxBackoff: 2 } as const;

/** A node of the dual-stack LAN: it always has an IPv6 address. */
export type NodeNs = LabNode<never> & { v6: string };

export interface Topology extends BuiltLab<never, never> {
  tor: Netns;
  nodes: NodeNs[];
}

/** `tor` at .1 and `count` nodes at .10, .11, … (IPv4 and IPv6); `extraV4` on the first node too. */
export async function torAndNodes(lab: Lab, count = 1, extraV4: readonly string[] = []): Promise<Topology> {
  const built = await buildLab(lab, {
    lan: LAN,
    router: { host: 1 },
    nodes: { count, addrs: (i) => (i === 0 ? extraV4.map((a) => `${a}/24`) : []) },
  });
  if (!built.router) throw new Error('torAndNodes: no router');
  return { ...built, tor: built.router.ns, nodes: built.nodes as NodeNs[] };
}

/** Our eBGP peers towards the tor: one IPv4 and one IPv6 session. */
export function torPeers(overrides: Partial<PeerSpec> = {}): PeerSpec[] {
  const base = { myASN: NODE_ASN, peerASN: TOR.asn, ...FAST, ...overrides };
  return [
    { name: 'tor4', peerAddress: TOR.v4, ...base },
    { name: 'tor6', peerAddress: TOR.v6, ...base },
  ];
}

export function hostRoute(prefix: string, extra: { localPref?: number } = {}) {
  return { prefix, communities: [COMMUNITY], largeCommunities: [LARGE_COMMUNITY], ...extra };
}

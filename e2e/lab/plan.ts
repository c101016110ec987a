// The lab's fixed plan: addresses, ASNs, pools and Services, shared by `make lab` and the
// lab e2e tests. Documentation ranges only (198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32).
import { hostAddresses } from './builder.ts';

/** The switch: root namespace's foot .1 (the apiserver binds there), nodes .11–.13, client-l2 .50, ToR .254. */
export const LAN = { v4: '198.51.100.0/24', v6: '2001:db8:100::/64' } as const;
export const HOST = { root: 1, firstNode: 11, clientL2: 50, tor: 254 } as const;
/** The point-to-point link between the ToR (host 1) and the client behind it (host 2). */
export const UPLINK = { v4: '203.0.113.0/30', v6: '2001:db8:300::/64' } as const;
export const ROOT_V4 = hostAddresses(LAN, HOST.root).v4;
export const TOR_V4 = hostAddresses(LAN, HOST.tor).v4;

export const TOR_ASN = 64512;
export const NODE_ASN = 64513;
/** Port the kube-proxy stand-in listens on; Service traffic on :80 is redirected to it. */
export const NODE_HTTP_PORT = 8080;
export const SERVICE_PORT = 80;
export const LIVENESS_PORT = 7946;
export const SPEAKER_METRICS_PORT = 7473;

export interface LabNodePlan {
  name: string;
  v4: string;
  v6: string;
  zone: string;
}

export const NODES: readonly LabNodePlan[] = [1, 2, 3].map((i) => {
  const { v4, v6 = '' } = hostAddresses(LAN, HOST.firstNode + i - 1);
  return { name: `node-${i}`, v4, v6, zone: i === 1 ? 'rack-a' : 'rack-b' };
});

/** Ranges a node's kube-proxy stand-in treats as Service IPs (a superset of every pool). */
export const SERVICE_RANGES = { v4: ['203.0.113.128/25', '198.51.100.192/27'], v6: ['2001:db8:100::200/120', '2001:db8:200::/48'] } as const;

export const POOLS = {
  bgp: { name: 'bgp-pool', addresses: ['203.0.113.128/27'] },
  // An L2 VIP must be on the segment's subnets so clients resolve it by ARP / NDP.
  l2: { name: 'l2-pool', addresses: ['198.51.100.200-198.51.100.220', '2001:db8:100::200/124'] },
  /** Added by a test while traffic flows. */
  extra: { name: 'bgp-pool-2', addresses: ['203.0.113.160/28'] },
} as const;

export const COMMUNITY = '64513:100';
export const LARGE_COMMUNITY = 'large:64513:1:2';

export const SERVICES = {
  bgp: { namespace: 'demo', name: 'web-bgp', pool: POOLS.bgp.name, nodes: ['node-1', 'node-2', 'node-3'] },
  l2: { namespace: 'demo', name: 'web-l2', pool: POOLS.l2.name, nodes: ['node-2', 'node-3'] },
} as const;

export const BFD_PROFILE = { name: 'lab', intervalMs: 300, multiplier: 3 } as const;

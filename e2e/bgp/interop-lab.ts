// The router interop tests' lab: one dual-stack node running the shipped `portside speaker`
// and a router namespace at host 2 (FRR, GoBGP or BIRD, started by the test), over
// e2e/speaker/lab-cluster.ts. Portside is configured through the API: BGPPeers `tor4` and
// `tor6` (eBGP to the router's IPv4 and IPv6 addresses), then (switchToIbgp) `ibgp` in place
// of `tor4` (iBGP with the router's own ASN to the same address, sourced from a second node
// address: two BGPPeers for one address on one node are refused, as in MetalLB), one pool
// and one Service per route, and BGPAdvertisements with our communities (and LOCAL_PREF 200
// towards `ibgp`).
import type { TestContext } from 'node:test';
import { serviceWithEndpoints, startLabCluster, type ClusterNode, type LabCluster } from '../speaker/lab-cluster.ts';
import type { Netns } from '../netns/index.ts';

export const TOR_ASN = 64512;
export const NODE_ASN = 64600;
/** Our standard communities on every test route. */
export const COMMUNITY = '64600:100';
export const LARGE_COMMUNITY = '64600:1:2';
export const V4 = '203.0.113.10/32';
export const V6 = '2001:db8:ff::10/128';
export const IBGP_ROUTE = '203.0.113.20/32';
const V6_LAN = '2001:db8:100::/64';
const NAMESPACE = 'interop';
const TIMERS = { connectTime: '1s', holdTime: '9s', keepaliveTime: '3s' };

export interface InteropLab {
  c: LabCluster;
  node: ClusterNode & { v6: string };
  /** The router's namespace and addresses (start the router in it). */
  router: { ns: Netns; v4: string; v6: string };
  /** The node's second IPv4 address, the iBGP session's source. */
  ibgpSource: string;
}

/** The lab with Portside's peers not yet configured (the router is the test's to start first), or undefined when skipped. */
export async function interopLab(t: TestContext, commands: readonly string[]): Promise<InteropLab | undefined> {
  const c = await startLabCluster(t, { nodes: 1, v6: V6_LAN, router: {}, commands });
  if (!c) return undefined;
  const node = c.nodes[0]!;
  const router = c.router!;
  if (!node.v6 || !router.v6) throw new Error('interopLab: the lab is not dual-stack');
  const ibgpSource = c.addr(12);
  await node.ns.addAddress('eth0', `${ibgpSource}/28`);
  return { c, node: node as ClusterNode & { v6: string }, router: { ns: router.ns, v4: router.v4, v6: router.v6 }, ibgpSource };
}

/** What the router is to learn: `ebgp` = V4 over tor4 and V6 over tor6; `ibgp` = IBGP_ROUTE over ibgp with LOCAL_PREF 200. */
async function configureInterop(lab: InteropLab, sessions: { ebgp?: boolean; ibgp?: boolean }): Promise<void> {
  const { c, router } = lab;
  const communities = [COMMUNITY, `large:${LARGE_COMMUNITY}`];
  const routes: Array<{ pool: string; prefix: string; family: 'IPv4' | 'IPv6' }> = [];
  if (sessions.ebgp) {
    await c.apply('bgppeers', 'BGPPeer', 'tor4', { myASN: NODE_ASN, peerASN: TOR_ASN, peerAddress: router.v4, ...TIMERS });
    await c.apply('bgppeers', 'BGPPeer', 'tor6', { myASN: NODE_ASN, peerASN: TOR_ASN, peerAddress: router.v6, ...TIMERS });
    routes.push({ pool: 'v4', prefix: V4, family: 'IPv4' }, { pool: 'v6', prefix: V6, family: 'IPv6' });
    await c.apply('bgpadvertisements', 'BGPAdvertisement', 'ebgp', { ipAddressPools: ['v4', 'v6'], peers: ['tor4', 'tor6'], communities });
  }
  if (sessions.ibgp) {
    await c.apply('bgppeers', 'BGPPeer', 'ibgp', { myASN: TOR_ASN, peerASN: TOR_ASN, peerAddress: router.v4, sourceAddress: lab.ibgpSource, ...TIMERS });
    routes.push({ pool: 'ibgp', prefix: IBGP_ROUTE, family: 'IPv4' });
    await c.apply('bgpadvertisements', 'BGPAdvertisement', 'ibgp', { ipAddressPools: ['ibgp'], peers: ['ibgp'], communities, localPref: 200 });
  }
  for (const r of routes) {
    await c.apply('ipaddresspools', 'IPAddressPool', r.pool, { addresses: [r.prefix], autoAssign: false });
    await serviceWithEndpoints(c, NAMESPACE, r.pool, c.nodes, { ipFamilyPolicy: 'SingleStack', ipFamilies: [r.family] }, { 'portside.dev/address-pool': r.pool });
    await c.cluster.waitForIPs(NAMESPACE, r.pool, 1, 30_000);
  }
}

/** Withdraws V4 the way a cluster does: its Service is deleted. */
export async function withdrawV4(lab: InteropLab): Promise<void> {
  await lab.c.cluster.core.deleteNamespacedService({ namespace: NAMESPACE, name: 'v4' });
}

/** The eBGP sessions tor4 and tor6 with V4 and V6. */
export function configureEbgp(lab: InteropLab): Promise<void> {
  return configureInterop(lab, { ebgp: true });
}

/** BGPPeer tor4 removed, `ibgp` (same router address, second source) added, with IBGP_ROUTE at LOCAL_PREF 200. */
export async function switchToIbgp(lab: InteropLab): Promise<void> {
  await lab.c.remove('bgppeers', 'tor4');
  await configureInterop(lab, { ibgp: true });
}

// BFD between an FRR ToR (zebra + bgpd + bfdd) and the nodes of a lab cluster
// (e2e/speaker/lab-cluster.ts): the real `portside speaker` configured through the API
// (BFDProfile, BGPPeer with bfdProfile, a pool, a BGPAdvertisement and one Service whose IP
// every node announces), or FRR itself as the node (bgpd + bfdd, the same profile). The ToR
// peers with every node by address (static neighbours) with the same profile, so one VIP
// has one ECMP next hop per node. Used by bench/bfd.ts and e2e/bfd/*.netns.test.ts.
import { readFileSync } from 'node:fs';
import { startFrr, type FrrBfdCounters, type FrrRouter } from '../routers/index.ts';
import type { BfdProfile } from '../routers/frr-config.ts';
import type { ClusterNode, LabCluster } from '../speaker/lab-cluster.ts';
import { serviceWithEndpoints } from '../speaker/lab-cluster.ts';
import { waitFor } from '../wait.ts';

export const TOR_ASN = 64512;
export const NODE_ASN = 64513;
export const VIP = '203.0.113.100';
export const VIP_PREFIX = `${VIP}/32`;
export const PROFILE = 'bfd';
export const DETECT_MULTIPLIER = 3;
const TIMERS = { keepaliveS: 3, holdS: 9 };

const frrProfile = (intervalMs: number): BfdProfile => ({
  name: PROFILE, receiveIntervalMs: intervalMs, transmitIntervalMs: intervalMs, detectMultiplier: DETECT_MULTIPLIER,
});

/** The ToR: one static neighbour per node, each with BFD at `intervalMs` × 3, ECMP. */
export async function startTor(c: LabCluster, intervalMs: number): Promise<FrrRouter> {
  const router = c.router;
  if (!router) throw new Error('startTor: the lab cluster has no router');
  const tor = await startFrr(c.lab, router.ns, {
    asn: TOR_ASN,
    routerId: router.v4,
    maximumPaths: 16,
    bfdProfiles: [frrProfile(intervalMs)],
    neighbors: c.nodes.map((n) => ({ address: n.v4, remoteAs: NODE_ASN, timers: TIMERS, bfdProfile: PROFILE })),
    // bfdd logs each state change with its reason (torBfdDowns reads them).
    extraConfig: ['log timestamp precision 3', 'log stdout debugging', 'debug bfd peer'].join('\n'),
  });
  return tor;
}

/** One Up → Down of the ToR's bfdd: when (epoch ms), with whom, and why (control-expired: the ToR heard nothing; neighbor-down: the node said Down). */
export interface TorBfdDown {
  t: number;
  peer: string;
  reason: string;
}

/** The ToR's BFD Up → Down events so far, from bfdd's log (`debug bfd peer`, local time to the ms). */
export function torBfdDowns(tor: FrrRouter): TorBfdDown[] {
  const log = tor.processes.bfdd ? readFileSync(tor.processes.bfdd.logFile, 'utf8') : '';
  return [...log.matchAll(/^(\d{4})\/(\d\d)\/(\d\d) (\d\d:\d\d:\d\d\.\d{3}) BFD: .*state-change: .*peer:(\S+) .* up -> down reason:(\S+)/gm)]
    .map((m) => ({ t: new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}`).getTime(), peer: m[5]!, reason: m[6]! }));
}

/** The speaker's own BFD sessions leaving Up (its `bfd_session_state` log lines): when and why. */
export function speakerBfdDownLog(node: ClusterNode): Array<{ t: number; diag: string }> {
  return (node.speaker?.jsonLines<{ event?: string; from?: string; diagName?: string; time?: string }>() ?? [])
    .filter((l) => l.event === 'bfd_session_state' && l.from === 'Up')
    .map((l) => ({ t: Date.parse(l.time ?? ''), diag: l.diagName ?? '?' }));
}

/** FRR as the node: bgpd + bfdd peering with the ToR with the same profile, announcing the VIP. */
export async function startFrrNode(c: LabCluster, node: ClusterNode, intervalMs: number): Promise<FrrRouter> {
  if (!c.router) throw new Error('startFrrNode: the lab cluster has no router');
  return startFrr(c.lab, node.ns, {
    asn: NODE_ASN,
    routerId: node.v4,
    bfdProfiles: [frrProfile(intervalMs)],
    neighbors: [{ address: c.router.v4, remoteAs: TOR_ASN, timers: TIMERS, bfdProfile: PROFILE }],
    networks: [VIP_PREFIX],
    extraConfig: 'log timestamp precision 3',
  });
}

/** Portside's side through the API: the BFDProfile, the BGPPeer towards the ToR, a pool holding the VIP and its Service. */
export async function configurePortside(c: LabCluster, intervalMs: number, speakers: readonly ClusterNode[]): Promise<void> {
  if (!c.router) throw new Error('configurePortside: the lab cluster has no router');
  await setPortsideInterval(c, intervalMs);
  await c.apply('bgppeers', 'BGPPeer', 'tor', {
    myASN: NODE_ASN, peerASN: TOR_ASN, peerAddress: c.router.v4, holdTime: `${TIMERS.holdS}s`, keepaliveTime: `${TIMERS.keepaliveS}s`,
    connectTime: '1s', bfdProfile: PROFILE,
  });
  await c.apply('ipaddresspools', 'IPAddressPool', 'vip', { addresses: [VIP_PREFIX], autoAssign: false });
  await c.apply('bgpadvertisements', 'BGPAdvertisement', 'vip', { ipAddressPools: ['vip'] });
  await serviceWithEndpoints(c, 'bfd', 'vip', speakers, undefined, { 'portside.dev/address-pool': 'vip' });
  await c.cluster.waitForIPs('bfd', 'vip', 1, 30_000);
}

export async function setPortsideInterval(c: LabCluster, intervalMs: number): Promise<void> {
  await c.apply('bfdprofiles', 'BFDProfile', PROFILE, { receiveInterval: intervalMs, transmitInterval: intervalMs, detectMultiplier: DETECT_MULTIPLIER });
}

/** Moves an FRR (ToR or node) to `intervalMs` × 3; a running session changes with a Poll Sequence. */
export async function setFrrInterval(frr: FrrRouter, intervalMs: number): Promise<void> {
  const p = frrProfile(intervalMs);
  await frr.applyConfig(['bfd', ` profile ${PROFILE}`, `  receive-interval ${p.receiveIntervalMs}`, `  transmit-interval ${p.transmitIntervalMs}`,
    `  detect-multiplier ${p.detectMultiplier}`, ' exit', 'exit', ''].join('\n'));
}

/** Waits until the ToR has every node's BGP session Established and BFD Up at `intervalMs` × 3 both ways, and the VIP via all of them. */
export async function waitConverged(tor: FrrRouter, nodes: readonly ClusterNode[], intervalMs: number, timeoutMs = 60_000): Promise<void> {
  const want = nodes.map((n) => n.v4).sort();
  await waitFor(async () => {
    const peers = await tor.bfdPeers();
    return nodes.every((n) => {
      const p = peers.find((x) => x.peer === n.v4);
      return p?.status === 'up' && p['transmit-interval'] === intervalMs && p['remote-transmit-interval'] === intervalMs
        && p['remote-receive-interval'] === intervalMs && p['remote-detect-multiplier'] === DETECT_MULTIPLIER;
    });
  }, { timeoutMs, what: `ToR: BFD Up at ${intervalMs} ms × ${DETECT_MULTIPLIER} with ${want.join(', ')}` });
  await tor.waitKernelRoute(VIP_PREFIX, want, { timeoutMs });
}

/** What the ToR counted per node: BFD Down events, BGP sessions established and dropped. */
export interface TorCounts {
  bfdDown: number;
  bfdUp: number;
  bgpEstablished: number;
  bgpDropped: number;
}

export async function torCounts(tor: FrrRouter, nodes: readonly ClusterNode[]): Promise<Record<string, TorCounts>> {
  const [bfd, bgp] = await Promise.all([tor.bfdCounters(), tor.bgpNeighbors()]);
  const counters = (peer: string): FrrBfdCounters | undefined => bfd.find((b) => b.peer === peer);
  return Object.fromEntries(nodes.map((n) => [n.name, {
    bfdDown: counters(n.v4)?.['session-down'] ?? NaN,
    bfdUp: counters(n.v4)?.['session-up'] ?? NaN,
    bgpEstablished: bgp[n.v4]?.connectionsEstablished ?? NaN,
    bgpDropped: bgp[n.v4]?.connectionsDropped ?? NaN,
  }]));
}

/** `after - before` per node and counter. */
export function countsSince(before: Record<string, TorCounts>, after: Record<string, TorCounts>): Record<string, TorCounts> {
  return Object.fromEntries(Object.entries(after).map(([node, a]) => {
    const b = before[node];
    return [node, {
      bfdDown: a.bfdDown - (b?.bfdDown ?? NaN), bfdUp: a.bfdUp - (b?.bfdUp ?? NaN),
      bgpEstablished: a.bgpEstablished - (b?.bgpEstablished ?? NaN), bgpDropped: a.bgpDropped - (b?.bgpDropped ?? NaN),
    }];
  }));
}

/** The speaker's own count of BFD sessions leaving Up (portside_bfd_session_down_events, all peers). */
export async function speakerBfdDowns(c: LabCluster, node: ClusterNode): Promise<number> {
  const { body } = await c.scrape(node, '/metrics');
  return [...body.matchAll(/^portside_bfd_session_down_events\{[^}]*\} (\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
}

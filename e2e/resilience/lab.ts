// The resilience lab over e2e/speaker/lab-cluster.ts: the real control plane, `portside
// controller` and one real `portside speaker` per node, configured through the API (an
// IPAddressPool holding the VIP, a BGPPeer towards the ToR with an optional BFDProfile, a
// BGPAdvertisement and a Service with an endpoint on every node). The ToR is FRR (zebra,
// bgpd, optionally bfdd) at host 2, the nodes' gateway, with dynamic neighbors and ECMP, and
// a client behind it; every node has the VIP on lo with an HTTP server of its own (it
// outlives the speaker process).
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import type { LabHost } from '../lab/builder.ts';
import { reniceThreads, type LabProcess, type Netns } from '../netns/index.ts';
import { startFrr } from '../routers/index.ts';
import type { FrrRouter } from '../routers/index.ts';
import { serviceWithEndpoints, startLabCluster, type ClusterNode, type LabCluster } from '../speaker/lab-cluster.ts';
import { waitFor } from '../wait.ts';

export const VIP = '203.0.113.100';
export const VIP_PREFIX = `${VIP}/32`;
export const TOR_ASN = 64512;
export const NODE_ASN = 64513;
/** The BFDProfile (Portside) and profile (FRR) name. */
export const BFD_PROFILE = 'fast';
const HTTP_PORT = 8080;
const TIMERS = { keepaliveS: 3, holdS: 9 };
const script = (name: string) => fileURLToPath(new URL(`./${name}`, import.meta.url));

export interface BfdTimers {
  receiveIntervalMs: number;
  transmitIntervalMs: number;
  detectMultiplier: number;
}

export interface ResilienceLab {
  c: LabCluster;
  frr: FrrRouter;
  /** The ToR's address: the BGPPeer's peerAddress. */
  torV4: string;
  tor: Netns;
  client: Netns;
  nodes: ClusterNode[];
}

export interface ResilienceOptions {
  nodes: number;
  /** A BFD profile on both sides: FRR's listen range and Portside's BFDProfile, which the BGPPeer names. */
  bfd?: BfdTimers;
  /** FRR honours GRACEFUL_SHUTDOWN: LOCAL_PREF 0 on such paths (RFC 8326 §4, receiver side). */
  honourGshut?: boolean;
  /** Extra environment for the speakers (e.g. PORTSIDE_GRACEFUL_SHUTDOWN_MS). */
  speakerEnv?: Record<string, string>;
  /** Commands the test needs besides FRR's. */
  commands?: readonly string[];
}

/**
 * Builds the lab, starts the ToR and configures Portside through the API; returns once FRR's
 * kernel route to the VIP has every node as a next hop (and, with BFD, every BFD session is
 * Up at the profile's intervals). Undefined when the test was skipped.
 */
export async function resilienceLab(t: TestContext, opts: ResilienceOptions): Promise<ResilienceLab | undefined> {
  const c = await startLabCluster(t, {
    nodes: opts.nodes,
    commands: ['vtysh', '/usr/lib/frr/bgpd', ...(opts.bfd ? ['/usr/lib/frr/bfdd', 'renice'] : []), ...(opts.commands ?? [])],
    router: { gateway: true, behind: { name: 'client', v4: '203.0.113.0/28' } },
    vips: [VIP_PREFIX],
    setup: serveVip,
    ...(opts.speakerEnv ? { speakerEnv: opts.speakerEnv } : {}),
  });
  if (!c) return undefined;
  const router = c.router;
  if (!router?.behind) throw new Error('resilienceLab: the lab has no router with a client behind it');
  const frr = await startFrr(c.lab, router.ns, {
    asn: TOR_ASN,
    routerId: router.v4,
    maximumPaths: 8,
    ...(opts.bfd ? { bfdProfiles: [{ name: BFD_PROFILE, ...opts.bfd }] } : {}),
    listenRanges: [{ range: c.subnet, peerGroup: 'NODES', remoteAs: NODE_ASN, timers: TIMERS, ...(opts.bfd ? { bfdProfile: BFD_PROFILE } : {}) }],
    ...(opts.honourGshut
      ? { extraConfig: ['bgp community-list standard GSHUT permit graceful-shutdown', 'route-map NODES-IN permit 10', ' match community GSHUT', ' set local-preference 0', 'exit', 'route-map NODES-IN permit 20', 'exit'].join('\n') }
      : {}),
  });
  if (opts.honourGshut) {
    await frr.applyConfig([`router bgp ${TOR_ASN}`, ' address-family ipv4 unicast', '  neighbor NODES route-map NODES-IN in', ' exit-address-family', 'exit', ''].join('\n'));
  }
  if (opts.bfd) {
    // BFD at 300 ms on a shared 2-core machine: the lab's stand-in for Pods and a router with
    // CPU of their own (as in e2e/bfd/control-plane-restarts.netns.test.ts).
    await reniceThreads([...Object.values(frr.processes).map((p) => p.pid), ...c.nodes.map((n) => n.speaker!.pid)], -10);
    await c.apply('bfdprofiles', 'BFDProfile', BFD_PROFILE, {
      receiveInterval: opts.bfd.receiveIntervalMs, transmitInterval: opts.bfd.transmitIntervalMs, detectMultiplier: opts.bfd.detectMultiplier,
    });
  }
  await c.apply('ipaddresspools', 'IPAddressPool', 'vip', { addresses: [VIP_PREFIX] });
  await c.apply('bgppeers', 'BGPPeer', 'tor', {
    myASN: NODE_ASN, peerASN: TOR_ASN, peerAddress: router.v4, connectTime: '1s',
    holdTime: `${TIMERS.holdS}s`, keepaliveTime: `${TIMERS.keepaliveS}s`, ...(opts.bfd ? { bfdProfile: BFD_PROFILE } : {}),
  });
  await c.apply('bgpadvertisements', 'BGPAdvertisement', 'vip', { ipAddressPools: ['vip'] });
  await serviceWithEndpoints(c, 'e2e', 'web', c.nodes);
  const [ip] = await c.cluster.waitForIPs('e2e', 'web', 1, 30_000);
  if (ip !== VIP) throw new Error(`resilienceLab: the Service got ${ip}, not ${VIP}`);
  const all = c.nodes.map((n) => n.v4);
  if (opts.bfd) {
    const want = opts.bfd;
    await waitFor(async () => {
      const peers = await frr.bfdPeers();
      return all.every((v4) => {
        const p = peers.find((x) => x.peer === v4);
        return p?.status === 'up' && p['remote-transmit-interval'] === want.transmitIntervalMs
          && p['remote-receive-interval'] === want.receiveIntervalMs && p['remote-detect-multiplier'] === want.detectMultiplier;
      });
    }, { timeoutMs: 60_000, what: `FRR: BFD Up with ${all.join(', ')} at the BFDProfile's intervals` });
  }
  await frr.waitKernelRoute(VIP_PREFIX, all, { timeoutMs: 60_000 });
  return { c, frr, torV4: router.v4, tor: router.ns, client: router.behind.ns, nodes: c.nodes };
}

/** On the node: an HTTP server on the VIP (on its lo) answering with the node's name; it outlives the speaker. */
export async function serveVip(node: LabHost): Promise<void> {
  const server = node.ns.spawn(process.execPath, [script('vip-server.ts'), VIP, String(HTTP_PORT), node.name], { name: 'http' });
  await waitFor(() => server.jsonLines().some((l) => l.ev === 'serving'), { what: `${node.name} HTTP server` });
}

/** A line of a speaker's JSON log (pino: `time` is ISO 8601). */
export interface SpeakerLine {
  event?: string;
  msg?: string;
  time?: string;
  peer?: string;
  [key: string]: unknown;
}

/** The node's speaker log (one speaker process per node in these tests). */
export function speakerLines(node: ClusterNode): SpeakerLine[] {
  return node.speaker?.jsonLines<SpeakerLine>() ?? [];
}

/** Lines of `event` (for `peer`, when given: a BGPPeer's name, or for BFD lines the peer's address). */
export function speakerEvents(node: ClusterNode, event: string, peer?: string): SpeakerLine[] {
  return speakerLines(node).filter((l) => l.event === event && (peer === undefined || l.peer === peer));
}

/** Waits for the node's speaker to log a line matching `pred`, and returns it. */
export function waitSpeakerLine(node: ClusterNode, pred: (l: SpeakerLine) => boolean, what: string, timeoutMs = 15_000): Promise<SpeakerLine> {
  return waitFor(() => speakerLines(node).find(pred), { what: `${node.name}: ${what}`, timeoutMs });
}

/** Epoch ms of a log line. */
export const lineTime = (l: SpeakerLine): number => Date.parse(l.time ?? '');

export interface ClientResult {
  t: number;
  end: number;
  ok: boolean;
  body: string;
}

/** A request every 50 ms from `client` to the VIP, for up to `maxMs`. */
export function startClient(client: Netns, maxMs = 60_000): LabProcess {
  const cfg = { url: `http://${VIP}:${HTTP_PORT}/`, intervalMs: 50, timeoutMs: 1000, count: Math.ceil(maxMs / 50), maxMs };
  return client.spawn(process.execPath, [script('vip-client.ts'), JSON.stringify(cfg)], { name: 'client' });
}

export function clientResults(proc: LabProcess): ClientResult[] {
  return proc.jsonLines<ClientResult>();
}

/** Waits until `n` more requests than now have completed successfully. */
export async function moreAnswers(proc: LabProcess, n: number, what: string): Promise<void> {
  const base = clientResults(proc).filter((r) => r.ok).length;
  await waitFor(() => clientResults(proc).filter((r) => r.ok).length >= base + n, { what: `${n} more answers ${what}`, timeoutMs: 15_000 });
}

/** One path of `show bgp ipv4 unicast <prefix> json`. */
export interface FrrPrefixPath {
  stale?: boolean;
  bestpath?: { overall?: boolean };
  multipath?: boolean;
  community?: { string?: string };
  locPrf?: number;
  peer?: { peerId?: string };
  nexthops?: Array<{ ip?: string }>;
  [key: string]: unknown;
}

export async function prefixPaths(frr: FrrRouter, prefix = VIP_PREFIX): Promise<FrrPrefixPath[]> {
  const r = await frr.vtyshJson<{ paths?: FrrPrefixPath[] } | null>(`show bgp ipv4 unicast ${prefix} json`);
  return r?.paths ?? [];
}

export const pathFrom = (paths: readonly FrrPrefixPath[], nodeV4: string): FrrPrefixPath | undefined =>
  paths.find((p) => p.peer?.peerId === nodeV4 || p.nexthops?.some((n) => n.ip === nodeV4));

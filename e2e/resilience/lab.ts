// The resilience lab: an FRR ToR (zebra, bgpd, bfdd) with nodes on a switch bridge (dynamic
// neighbors, ECMP, optional BFD profile), a client namespace behind the ToR, and on every
// node the VIP on lo with an HTTP server of its own (it outlives the speaker process).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Lab, LabProcess, Link, Netns } from '../netns/index.ts';
import { startFrr } from '../routers/index.ts';
import type { FrrRouter } from '../routers/index.ts';
import type { BfdProfile as FrrBfdProfile } from '../routers/frr-config.ts';
import { waitFor } from '../wait.ts';
import { SpeakerWorker } from '../bgp/harness.ts';
import { FAST, FAST_DEFAULTS, LAN4, NODE_ASN, TOR } from '../bgp/topology.ts';
import type { PeerSpec, WorkerConfig } from '../bgp/worker-protocol.ts';

export const VIP = '203.0.113.100';
export const VIP_PREFIX = `${VIP}/32`;
const HTTP_PORT = 8080;
const CLIENT = { tor: '203.0.113.1', client: '203.0.113.2' } as const;
const script = (name: string) => fileURLToPath(new URL(`./${name}`, import.meta.url));

export interface ResilienceNode {
  name: string;
  ns: Netns;
  v4: string;
  /** Its switch-side bridge port: setDown() cuts the node off. */
  link: Link;
  worker?: SpeakerWorker;
}

export interface ResilienceLab {
  lab: Lab;
  frr: FrrRouter;
  tor: Netns;
  client: Netns;
  nodes: ResilienceNode[];
}

export interface ResilienceOptions {
  nodes: number;
  /** A BFD profile on FRR's listen range (both sides then run it). */
  bfd?: Omit<FrrBfdProfile, 'name'>;
  /** FRR honours GRACEFUL_SHUTDOWN: LOCAL_PREF 0 on such paths (RFC 8326 §4, receiver side). */
  honourGshut?: boolean;
}

export async function resilienceLab(lab: Lab, opts: ResilienceOptions): Promise<ResilienceLab> {
  const lan = await lab.bridge('lan');
  const tor = await lab.namespace('tor', { forwarding: true });
  await tor.sysctl('net.ipv4.fib_multipath_hash_policy', 1); // L4 hash: requests spread over the nodes
  await lab.link(tor, lan, { ifname: 'eth0', addrs: [`${TOR.v4}/24`] });
  const client = await lab.namespace('client');
  await lab.veth(tor, client, { a: { ifname: 'cl0', addrs: [`${CLIENT.tor}/28`] }, b: { ifname: 'eth0', addrs: [`${CLIENT.client}/28`] } });
  await client.ip(['route', 'add', 'default', 'via', CLIENT.tor]);

  const nodes: ResilienceNode[] = [];
  for (let i = 0; i < opts.nodes; i++) {
    const name = `n${i + 1}`;
    const v4 = `198.51.100.${10 + i}`;
    const ns = await lab.namespace(name);
    const link = await lab.link(ns, lan, { ifname: 'eth0', addrs: [`${v4}/24`] });
    await ns.ip(['route', 'add', 'default', 'via', TOR.v4]);
    await ns.ip(['addr', 'add', `${VIP}/32`, 'dev', 'lo']);
    const server = ns.spawn(process.execPath, [script('vip-server.ts'), VIP, String(HTTP_PORT), name], { name: 'http' });
    await waitFor(() => readFileSync(server.logFile, 'utf8').includes('"serving"'), { what: `${name} HTTP server` });
    nodes.push({ name, ns, v4, link });
  }

  const bfdProfile = opts.bfd ? 'fast' : undefined;
  const frr = await startFrr(lab, tor, {
    asn: TOR.asn,
    routerId: TOR.v4,
    maximumPaths: 8,
    ...(opts.bfd ? { bfdProfiles: [{ name: 'fast', ...opts.bfd }] } : {}),
    listenRanges: [{ range: LAN4, peerGroup: 'NODES', remoteAs: 'external', timers: { keepaliveS: 3, holdS: 9 }, ...(bfdProfile ? { bfdProfile } : {}) }],
    ...(opts.honourGshut
      ? { extraConfig: ['bgp community-list standard GSHUT permit graceful-shutdown', 'route-map NODES-IN permit 10', ' match community GSHUT', ' set local-preference 0', 'exit', 'route-map NODES-IN permit 20', 'exit'].join('\n') }
      : {}),
  });
  if (opts.honourGshut) {
    await frr.applyConfig(['router bgp 64512', ' address-family ipv4 unicast', '  neighbor NODES route-map NODES-IN in', ' exit-address-family', 'exit', ''].join('\n'));
  }
  return { lab, frr, tor, client, nodes };
}

/** The node's eBGP peer towards the ToR (tor4), with optional BFD and graceful restart. */
export function torPeer(extra: Partial<PeerSpec> = {}): PeerSpec {
  return { name: 'tor4', peerAddress: TOR.v4, myASN: NODE_ASN, peerASN: TOR.asn, ...FAST, ...extra };
}

export async function startSpeaker(r: ResilienceLab, node: ResilienceNode, peer: PeerSpec, extra: Partial<WorkerConfig> = {}): Promise<SpeakerWorker> {
  const config: WorkerConfig = {
    node: { name: node.name, addresses: [node.v4] },
    defaults: FAST_DEFAULTS,
    peers: [peer],
    routes: { [peer.name]: [{ prefix: VIP_PREFIX }] },
    bfd: peer.bfd !== undefined,
    ...extra,
  };
  node.worker = await SpeakerWorker.start(r.lab, node.ns, config, `speaker-${node.name}-${Date.now() % 100000}`);
  return node.worker;
}

export interface ClientResult {
  t: number;
  end: number;
  ok: boolean;
  body: string;
}

export function startClient(r: ResilienceLab, maxMs = 60_000): LabProcess {
  const cfg = { url: `http://${VIP}:${HTTP_PORT}/`, intervalMs: 50, timeoutMs: 1000, count: Math.ceil(maxMs / 50), maxMs };
  return r.client.spawn(process.execPath, [script('vip-client.ts'), JSON.stringify(cfg)], { name: 'client' });
}

export function clientResults(proc: LabProcess): ClientResult[] {
  return readFileSync(proc.logFile, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as ClientResult);
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

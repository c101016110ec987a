// The resilience lab over the lab builder: an FRR ToR (zebra, bgpd, bfdd) with nodes on the
// switch (dynamic neighbors, ECMP, optional BFD profile), a client behind the ToR, and on every
// node the VIP on lo with an HTTP server of its own (it outlives the speaker process).
import { fileURLToPath } from 'node:url';
import { buildLab, type LabHost, type LabNode } from '../lab/builder.ts';
import type { Lab, LabProcess, Netns } from '../netns/index.ts';
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
const script = (name: string) => fileURLToPath(new URL(`./${name}`, import.meta.url));

/** A node; `speaker` is its speaker worker (the last startSpeaker()). */
export type ResilienceNode = LabNode<SpeakerWorker>;

export interface ResilienceLab {
  lab: Lab;
  frr: FrrRouter;
  tor: Netns;
  client: Netns;
  nodes: ResilienceNode[];
  start: (node: ResilienceNode, run: (node: ResilienceNode) => Promise<SpeakerWorker>) => Promise<SpeakerWorker>;
}

export interface ResilienceOptions {
  nodes: number;
  /** A BFD profile on FRR's listen range (both sides then run it). */
  bfd?: Omit<FrrBfdProfile, 'name'>;
  /** FRR honours GRACEFUL_SHUTDOWN: LOCAL_PREF 0 on such paths (RFC 8326 §4, receiver side). */
  honourGshut?: boolean;
}

export async function resilienceLab(lab: Lab, opts: ResilienceOptions): Promise<ResilienceLab> {
  const built = await buildLab<SpeakerWorker>(lab, {
    lan: { v4: LAN4 },
    router: { host: 1, gateway: true, behind: { name: 'client', v4: '203.0.113.0/28' } },
    nodes: {
      count: opts.nodes,
      vips: [VIP_PREFIX],
      setup: serveVip,
    },
  });
  const { router } = built;
  if (!router?.behind) throw new Error('resilienceLab: no router or client');

  const bfdProfile = opts.bfd ? 'fast' : undefined;
  const frr = await startFrr(lab, router.ns, {
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
  return { lab, frr, tor: router.ns, client: router.behind.ns, nodes: built.nodes, start: (node, run) => built.start(node, run) };
}

/** On the node: an HTTP server on the VIP (on its lo) answering with the node's name; it outlives the speaker. */
export async function serveVip(node: LabHost): Promise<void> {
  const server = node.ns.spawn(process.execPath, [script('vip-server.ts'), VIP, String(HTTP_PORT), node.name], { name: 'http' });
  await waitFor(() => server.jsonLines().some((l) => l.ev === 'serving'), { what: `${node.name} HTTP server` });
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
  return r.start(node, (n) => SpeakerWorker.start(r.lab, n.ns, config, `speaker-${n.name}-${Date.now() % 100000}`));
}

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

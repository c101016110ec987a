// Pure: the complete frr.conf of a sidecar FRR that Portside owns (--bgp-backend frr), from
// what the native speaker gets (BgpApply: the node's BGPPeers and the planner's routes per
// peer). One `router bgp` per VRF (FRR runs one BGP instance per VRF), neighbours with their
// timers, password, multihop, BFD profile and address families, the node's prefixes as
// `network` lines and, per neighbour and family, a route-map that sends it exactly the
// planner's prefixes with their attributes (render-policy.ts). Everything is sorted, so an
// unrelated change is a small diff that frr-reload.py applies without resetting a session.
//
// Why `no bgp network import-check` and no static Null0 route: FRR then announces a
// `network` without a route for it in the node's RIB, so nothing is installed in the node's
// kernel (a blackhole for a Service IP could swallow traffic kube-proxy is meant to take).
import { BFD_PROFILE_DEFAULTS } from '../../crds/index.ts';
import type { BfdProfile, BgpPeer } from '../../lib/config/index.ts';
import { compareCidr, formatCidr, formatIp } from '../../lib/ip/index.ts';
import { compareCodePoints } from '../../lib/order/index.ts';
import { defaultRouterId, type AnnouncedRoute, type NodeIdentity } from '../bgp/index.ts';
import { DENY_IN, denyInLines, neighborPolicy, type Afi } from './render-policy.ts';

export interface FrrRenderInput {
  peers: readonly BgpPeer[];
  identity: NodeIdentity;
  routes: ReadonlyMap<string, readonly AnnouncedRoute[]>;
  /** Node cordoned: `bgp graceful-shutdown` (RFC 8326) on every instance. */
  cordoned: boolean;
}

export interface FrrRendered {
  config: string;
  /** BGPPeers left out of the configuration, with the reason (reported as the peer's configError). */
  skipped: ReadonlyMap<string, string>;
}

/** The FRR neighbour a BGPPeer becomes: its address, or the interface of an unnumbered session. */
export function neighborId(peer: BgpPeer): string {
  return peer.peerAddress ? formatIp(peer.peerAddress) : peer.interface ?? '';
}

/** The families a session carries: its own (both for unnumbered, which carries IPv4 over an IPv6 link-local session), or both with dualStackAddressFamily. */
export function peerFamilies(peer: BgpPeer): Afi[] {
  if (peer.dualStackAddressFamily || !peer.peerAddress) return ['ipv4', 'ipv6'];
  return [peer.peerAddress.family === 4 ? 'ipv4' : 'ipv6'];
}

const afiOf = (r: AnnouncedRoute): Afi => (r.prefix.family === 4 ? 'ipv4' : 'ipv6');
const byName = (a: { name: string }, b: { name: string }) => compareCodePoints(a.name, b.name);

interface Instance {
  vrf: string;
  asn: number;
  routerId: string | undefined;
  peers: BgpPeer[];
}

/** Groups the peers by VRF; a peer that contradicts its VRF's instance (another myASN or routerID) is skipped. */
function instances(peers: readonly BgpPeer[], identity: NodeIdentity, skipped: Map<string, string>): Instance[] {
  const byVrf = new Map<string, Instance & { asnFrom: string; idFrom?: string }>();
  for (const p of [...peers].sort(byName)) {
    const id = p.routerID ? formatIp(p.routerID) : undefined;
    const inst = byVrf.get(p.vrf);
    const where = p.vrf === '' ? 'the default VRF' : `VRF "${p.vrf}"`;
    if (!inst) {
      byVrf.set(p.vrf, { vrf: p.vrf, asn: p.myASN, routerId: id, peers: [p], asnFrom: p.name, ...(id ? { idFrom: p.name } : {}) });
    } else if (inst.asn !== p.myASN) {
      skipped.set(p.name, `spec.myASN ${p.myASN} differs from ${inst.asn} of BGPPeer ${inst.asnFrom} in ${where} on this node: FRR runs one BGP instance (one local AS) per VRF`);
    } else if (id && inst.routerId && inst.idFrom && id !== inst.routerId) {
      skipped.set(p.name, `spec.routerID ${id} differs from ${inst.routerId} of BGPPeer ${inst.idFrom} in ${where} on this node: FRR runs one BGP instance (one router ID) per VRF`);
    } else {
      inst.peers.push(p);
      if (id && !inst.routerId) Object.assign(inst, { routerId: id, idFrom: p.name });
    }
  }
  return [...byVrf.values()]
    .map(({ vrf, asn, routerId, peers: ps }) => ({ vrf, asn, routerId: routerId ?? defaultRouterId(identity), peers: ps }))
    .sort((a, b) => compareCodePoints(a.vrf, b.vrf));
}

/** As FRR prints a profile (defaults left out, its order): frr-reload.py then finds nothing to change. */
function bfdLines(profiles: readonly BfdProfile[]): string[] {
  if (profiles.length === 0) return [];
  const D = BFD_PROFILE_DEFAULTS;
  const lines = ['bfd'];
  for (const p of profiles) {
    const echoInterval = p.echoMode && p.echoIntervalMs !== D.echoIntervalMs;
    lines.push(
      ` profile ${p.name}`,
      ...(p.detectMultiplier !== D.detectMultiplier ? [`  detect-multiplier ${p.detectMultiplier}`] : []),
      ...(p.transmitIntervalMs !== D.transmitIntervalMs ? [`  transmit-interval ${p.transmitIntervalMs}`] : []),
      ...(p.receiveIntervalMs !== D.receiveIntervalMs ? [`  receive-interval ${p.receiveIntervalMs}`] : []),
      ...(p.passiveMode ? ['  passive-mode'] : []),
      ...(p.echoMode ? ['  echo-mode'] : []),
      ...(echoInterval ? [`  echo transmit-interval ${p.echoIntervalMs}`, `  echo receive-interval ${p.echoIntervalMs}`] : []),
      ...(p.minimumTtl !== D.minimumTtl ? [`  minimum-ttl ${p.minimumTtl}`] : []),
      ' exit',
    );
  }
  lines.push('exit');
  return lines;
}

function neighborLines(p: BgpPeer): string[] {
  const n = neighborId(p);
  const remote = p.peerASN ?? p.dynamicASN ?? 'external';
  const holdS = Math.round(p.holdTimeMs / 1000);
  const keepaliveS = holdS === 0 ? 0 : Math.round(p.keepaliveTimeMs / 1000);
  return [
    p.peerAddress ? ` neighbor ${n} remote-as ${remote}` : ` neighbor ${n} interface remote-as ${remote}`,
    ` neighbor ${n} description ${p.name}`,
    ...(p.localASN !== undefined ? [` neighbor ${n} local-as ${p.localASN} no-prepend replace-as`] : []),
    ...(p.peerPort !== 179 ? [` neighbor ${n} port ${p.peerPort}`] : []),
    ...(p.password !== undefined ? [` neighbor ${n} password ${p.password}`] : []),
    ...(p.ebgpMultiHop ? [` neighbor ${n} ebgp-multihop 255`] : []),
    ...(p.sourceAddress ? [` neighbor ${n} update-source ${formatIp(p.sourceAddress)}`] : []),
    ` neighbor ${n} timers ${keepaliveS} ${holdS}`,
    // Announce as the plan changes, as the native speaker does (FRR's traditional eBGP default batches for up to 30 s).
    ` neighbor ${n} advertisement-interval 0`,
    ...(p.connectTimeMs !== undefined ? [` neighbor ${n} timers connect ${Math.max(1, Math.round(p.connectTimeMs / 1000))}`] : []),
    ...(p.bfdProfile ? [` neighbor ${n} bfd`, ` neighbor ${n} bfd profile ${p.bfdProfile.name}`] : []),
  ];
}

function routerLines(inst: Instance, routes: FrrRenderInput['routes'], cordoned: boolean, policies: string[]): string[] {
  const lines = [
    `router bgp ${inst.asn}${inst.vrf === '' ? '' : ` vrf ${inst.vrf}`}`,
    ...(inst.routerId ? [` bgp router-id ${inst.routerId}`] : []),
    // Portside's route-maps are the policy; IPv4 is activated per neighbour like IPv6.
    ' no bgp ebgp-requires-policy',
    ' no bgp default ipv4-unicast',
    ' no bgp network import-check',
    ...(cordoned ? [' bgp graceful-shutdown'] : []),
    // Per instance, not per neighbour: FRR 8.4 refuses `neighbor X graceful-restart` when it is
    // already set, which fails frr-reload.py's second pass; `bgp graceful-restart` repeats fine.
    ...(inst.peers.some((p) => p.enableGracefulRestart) ? [' bgp graceful-restart'] : []),
    ...inst.peers.flatMap(neighborLines),
  ];
  for (const afi of ['ipv4', 'ipv6'] as const) {
    const peers = inst.peers.filter((p) => peerFamilies(p).includes(afi));
    if (peers.length === 0) continue;
    const wanted = peers.flatMap((p) => (routes.get(p.name) ?? []).filter((r) => afiOf(r) === afi));
    const networks = [...new Map(wanted.map((r) => [formatCidr(r.prefix), r.prefix])).values()].sort(compareCidr).map(formatCidr);
    lines.push(` address-family ${afi} unicast`, ...networks.map((n) => `  network ${n}`));
    for (const p of peers) {
      const n = neighborId(p);
      const policy = neighborPolicy(p.name, afi, (routes.get(p.name) ?? []).filter((r) => afiOf(r) === afi));
      policies.push(...policy.lines);
      lines.push(`  neighbor ${n} activate`, `  neighbor ${n} route-map ${DENY_IN} in`, `  neighbor ${n} route-map ${policy.routeMap} out`);
    }
    lines.push(' exit-address-family');
  }
  lines.push('exit');
  return lines;
}

/** The whole frr.conf for this node. */
export function renderFrrConfig(input: FrrRenderInput): FrrRendered {
  const skipped = new Map<string, string>();
  const insts = instances(input.peers, input.identity, skipped);
  const used = insts.flatMap((i) => i.peers);
  const profiles = [...new Map(used.flatMap((p) => (p.bfdProfile ? [[p.bfdProfile.name, p.bfdProfile] as const] : []))).values()].sort(byName);
  const policies: string[] = [];
  const routers = insts.flatMap((i) => [...routerLines(i, input.routes, input.cordoned, policies), '!']);
  const lines = [
    '! Rendered by Portside (speaker/frr/render.ts) for this node; applied with frr-reload.py. Edits here are overwritten.',
    '!',
    // Multihop peers may be reached through the default route only.
    'ip nht resolve-via-default',
    'ipv6 nht resolve-via-default',
    '!',
    ...(profiles.length > 0 ? [...bfdLines(profiles), '!'] : []),
    ...routers,
    ...(used.length > 0 ? [...policies, ...denyInLines(), '!'] : []),
    'end',
  ];
  return { config: `${lines.join('\n')}\n`, skipped };
}

// BGP: which prefixes this node sends to which peer, MetalLB's BGPAdvertisement semantics.
import type { BgpAdvert, CommunityValue, Config } from '../../lib/config/index.ts';
import { type Cidr, type IpAddress, cidrKey, cidrOf, compareCidr } from '../../lib/ip/index.ts';
import { compareCodePoints } from '../../lib/order/index.ts';
import { type Labels, matchesAnySelector } from '../../lib/selector/index.ts';
import type { AnnouncedRoute, LargeCommunity } from '../bgp/index.ts';
import type { AnnouncedService } from './services.ts';
import { SkipReason, type SkippedService } from './types.ts';

export interface BgpScope {
  config: Config;
  nodeName: string;
  nodeLabels: Labels;
  /** True when this node hosts a serving endpoint of the Service (Local policy). */
  localEndpoint: (serviceKey: string) => boolean;
}

export interface BgpPlan {
  bgp: Map<string, AnnouncedRoute[]>;
  bgpServices: Map<string, { peers: string[] }>;
  skipped: SkippedService[];
}

interface RouteAcc {
  prefix: Cidr;
  communities: Set<number>;
  large: Map<string, LargeCommunity>;
  localPrefs: Set<number>;
}

/** Empty selectors select everything (MetalLB's meaning for adverts and peers). */
export function selects(selectors: BgpAdvert['nodeSelectors'], labels: Labels): boolean {
  return selectors.length === 0 || matchesAnySelector(selectors, labels);
}

/** The IP masked to the advert's aggregation length for its family. */
export function aggregatePrefix(ip: IpAddress, advert: Pick<BgpAdvert, 'aggregationLength' | 'aggregationLengthV6'>): Cidr {
  const len = ip.family === 4 ? advert.aggregationLength : advert.aggregationLengthV6;
  return cidrOf(ip, len);
}

/** BGPPeers the advert goes to from this node: those it lists (none = all) whose nodeSelectors match. */
function peersFor(advert: BgpAdvert, scope: BgpScope): string[] {
  const peers = scope.config.bgpPeers;
  const names = advert.peers.length > 0 ? advert.peers : [...peers.keys()];
  return names.filter((name) => {
    const peer = peers.get(name);
    return peer !== undefined && selects(peer.nodeSelectors, scope.nodeLabels);
  });
}

function addCommunity(acc: RouteAcc, c: CommunityValue): void {
  if (c.kind === 'standard') acc.communities.add(c.asn * 0x10000 + c.value);
  else acc.large.set(`${c.global}:${c.local1}:${c.local2}`, { globalAdmin: c.global, localData1: c.local1, localData2: c.local2 });
}

function addRoute(routes: Map<string, Map<string, RouteAcc>>, peer: string, prefix: Cidr, advert: BgpAdvert): void {
  const byPrefix = routes.get(peer) ?? new Map<string, RouteAcc>();
  routes.set(peer, byPrefix);
  const key = cidrKey(prefix);
  const acc = byPrefix.get(key) ?? { prefix, communities: new Set(), large: new Map(), localPrefs: new Set() };
  byPrefix.set(key, acc);
  advert.communities.forEach((c) => addCommunity(acc, c));
  if (advert.localPref !== 0) acc.localPrefs.add(advert.localPref);
}

function compareLarge(a: LargeCommunity, b: LargeCommunity): number {
  return a.globalAdmin - b.globalAdmin || a.localData1 - b.localData1 || a.localData2 - b.localData2;
}

function toRoute(acc: RouteAcc): AnnouncedRoute {
  const route: AnnouncedRoute = { prefix: acc.prefix };
  if (acc.communities.size > 0) route.communities = [...acc.communities].sort((a, b) => a - b);
  if (acc.large.size > 0) route.largeCommunities = [...acc.large.values()].sort(compareLarge);
  // Config rejects two localPrefs for one pool/aggregation/peer; across pools the highest wins, deterministically.
  if (acc.localPrefs.size > 0) route.localPref = Math.max(...acc.localPrefs);
  return route;
}

/** Routes per peer and peers per Service for the Services that passed the node and endpoint gates. */
export function planBgp(services: readonly AnnouncedService[], scope: BgpScope): BgpPlan {
  const routes = new Map<string, Map<string, RouteAcc>>();
  const servicePeers = new Map<string, Set<string>>();
  const skipped: SkippedService[] = [];
  const skip = (service: string, ip: string, reason: SkipReason) => skipped.push({ service, ip, protocol: 'bgp', reason });
  for (const svc of services) {
    for (const { ip, text, pool } of svc.ips) {
      const forPool = scope.config.bgpAdvertisements.filter((a) => a.pools.includes(pool.name));
      if (forPool.length === 0) continue;
      const forService = forPool.filter((a) => selects(a.serviceSelectors, svc.labels));
      if (forService.length === 0) { skip(svc.key, text, SkipReason.ServiceNotSelected); continue; }
      const forNode = forService.filter((a) => selects(a.nodeSelectors, scope.nodeLabels));
      if (forNode.length === 0) { skip(svc.key, text, SkipReason.NodeNotSelected); continue; }
      if (svc.local && !scope.localEndpoint(svc.key)) { skip(svc.key, text, SkipReason.NoLocalEndpoints); continue; }
      let sent = false;
      for (const advert of forNode) {
        const prefix = aggregatePrefix(ip, advert);
        for (const peer of peersFor(advert, scope)) {
          addRoute(routes, peer, prefix, advert);
          servicePeers.set(svc.key, (servicePeers.get(svc.key) ?? new Set()).add(peer));
          sent = true;
        }
      }
      if (!sent) skip(svc.key, text, SkipReason.NoPeers);
    }
  }
  const bgp = new Map<string, AnnouncedRoute[]>();
  for (const peer of [...routes.keys()].sort(compareCodePoints)) {
    bgp.set(peer, [...routes.get(peer)!.values()].map(toRoute).sort((a, b) => compareCidr(a.prefix, b.prefix)));
  }
  const bgpServices = new Map<string, { peers: string[] }>();
  // One entry object per distinct set of peers, shared by the Services sent to it (most share
  // one or a few): one each was 1.3 MB of a speaker's heap at 10,000 Services.
  const entries = new Map<string, { peers: string[] }>();
  for (const key of [...servicePeers.keys()].sort(compareCodePoints)) {
    const peers = [...servicePeers.get(key)!].sort(compareCodePoints);
    const set = peers.join('\n');
    let entry = entries.get(set);
    if (!entry) entries.set(set, (entry = Object.freeze({ peers: Object.freeze(peers) as string[] })));
    bgpServices.set(key, entry);
  }
  return { bgp, bgpServices, skipped };
}

// Layer 2: per IP, the nodes that may announce it and which one does. Every speaker with
// the same view computes the same entry, so exactly one node answers ARP/NDP for an IP.
//
// Shared IPs: a node is a candidate when every Service on the IP may be announced from it
// (an L2Advertisement for the pool and Service selects the node and, for Local policy, the
// node has a serving endpoint). Local Services share an IP only with the same backends (the
// allocator checks the selector), so that is the nodes with endpoints. If no node suits
// them all, the union is used, so the IP is still answered by someone (as ownedIPs does).
import type { V1Node } from '@kubernetes/client-node';
import type { Config, L2Advert } from '../../lib/config/index.ts';
import { type IpAddress, compareIp } from '../../lib/ip/index.ts';
import { compareCodePoints } from '../../lib/order/index.ts';
import { canonicalSelector, matchesSelector } from '../../lib/selector/index.ts';
import { type OwnerCandidate, ownerOf } from '../l2/ownership.ts';
import { selects } from './bgp.ts';
import type { ServiceEndpoints } from './endpoints.ts';
import type { AnnouncedService } from './services.ts';
import { type L2Plan, SkipReason, type SkippedService } from './types.ts';

export interface L2Scope {
  config: Config;
  nodeName: string;
  /** Nodes that may announce at all (not excluded, network available), by name. */
  usableNodes: ReadonlyMap<string, V1Node>;
  endpoints: (serviceKey: string) => ServiceEndpoints;
  liveNodes: ReadonlySet<string> | undefined;
}

interface Claim {
  service: AnnouncedService;
  adverts: readonly L2Advert[];
}

interface IpClaims {
  ip: IpAddress;
  text: string;
  claims: Claim[];
}

const labelsOf = (node: V1Node | undefined) => node?.metadata?.labels ?? {};

function eligibleNodes(claim: Claim, scope: L2Scope): Set<string> {
  const withEndpoint = claim.service.local ? scope.endpoints(claim.service.key).nodes : undefined;
  const out = new Set<string>();
  for (const [name, node] of scope.usableNodes) {
    if (withEndpoint && !withEndpoint.has(name)) continue;
    if (claim.adverts.some((a) => selects(a.nodeSelectors, labelsOf(node)))) out.add(name);
  }
  return out;
}

function intersectOrUnion(sets: readonly Set<string>[]): Set<string> {
  const all = new Set(sets.flatMap((s) => [...s]));
  const every = [...all].filter((n) => sets.every((s) => s.has(n)));
  return every.length > 0 ? new Set(every) : all;
}

/** Sum of the distinct preferred-node terms (weight + selector) of the adverts that select the node. */
function preferenceWeight(adverts: readonly L2Advert[], node: V1Node | undefined): number {
  const labels = labelsOf(node);
  const terms = new Map<string, number>();
  for (const a of adverts) {
    if (!selects(a.nodeSelectors, labels)) continue;
    for (const p of a.preferredNodes) {
      if (matchesSelector(p.preference, labels)) terms.set(`${p.weight}|${canonicalSelector(p.preference)}`, p.weight);
    }
  }
  return [...terms.values()].reduce((sum, w) => sum + w, 0);
}

/** Union of the interfaces of the adverts that select this node (or of all, when none does); any "all" wins. */
function interfacesFor(adverts: readonly L2Advert[], scope: L2Scope): string[] {
  const self = scope.usableNodes.get(scope.nodeName);
  const mine = adverts.filter((a) => self && selects(a.nodeSelectors, labelsOf(self)));
  const from = mine.length > 0 ? mine : adverts;
  if (from.some((a) => a.interfaces.length === 0)) return [];
  return [...new Set(from.flatMap((a) => a.interfaces))].sort(compareCodePoints);
}

function collectClaims(services: readonly AnnouncedService[], config: Config, skipped: SkippedService[]): IpClaims[] {
  const byIp = new Map<string, IpClaims>();
  for (const service of services) {
    for (const { ip, text, pool } of service.ips) {
      const forPool = config.l2Advertisements.filter((a) => a.pools.includes(pool.name));
      if (forPool.length === 0) continue;
      const adverts = forPool.filter((a) => selects(a.serviceSelectors, service.labels));
      if (adverts.length === 0) {
        skipped.push({ service: service.key, ip: text, protocol: 'l2', reason: SkipReason.ServiceNotSelected });
        continue;
      }
      const entry = byIp.get(text) ?? { ip, text, claims: [] };
      byIp.set(text, entry);
      entry.claims.push({ service, adverts });
    }
  }
  return [...byIp.values()].sort((a, b) => compareIp(a.ip, b.ip));
}

function selfReason(claim: Claim, scope: L2Scope, plan: L2Plan): SkipReason {
  const self = scope.usableNodes.get(scope.nodeName);
  if (!claim.adverts.some((a) => selects(a.nodeSelectors, labelsOf(self)))) return SkipReason.NodeNotSelected;
  if (claim.service.local && !scope.endpoints(claim.service.key).nodes.has(scope.nodeName)) return SkipReason.NoLocalEndpoints;
  // A candidate for this Service but not for the others on the IP, or outranked.
  return plan.candidates.some((c) => c.node === scope.nodeName) ? SkipReason.NotOwner : SkipReason.NodeNotSelected;
}

/** Every L2 IP with its candidates and owner; skips (for this node) only when it is usable. */
export function planL2(services: readonly AnnouncedService[], scope: L2Scope): { l2: L2Plan[]; skipped: SkippedService[] } {
  const skipped: SkippedService[] = [];
  const l2: L2Plan[] = [];
  for (const { text, claims } of collectClaims(services, scope.config, skipped)) {
    const nodes = intersectOrUnion(claims.map((c) => eligibleNodes(c, scope)));
    const adverts = [...new Set(claims.flatMap((c) => c.adverts))];
    const candidates: OwnerCandidate[] = [...nodes].sort(compareCodePoints)
      .map((node) => ({ node, weight: preferenceWeight(adverts, scope.usableNodes.get(node)) }));
    const live = candidates.filter((c) => !scope.liveNodes || c.node === scope.nodeName || scope.liveNodes.has(c.node));
    const plan: L2Plan = {
      ip: text,
      services: claims.map((c) => c.service.key).sort(compareCodePoints),
      interfaces: interfacesFor(adverts, scope),
      candidates,
      owner: ownerOf(text, live),
    };
    l2.push(plan);
    if (plan.owner === scope.nodeName || !scope.usableNodes.has(scope.nodeName)) continue;
    for (const claim of claims) {
      skipped.push({ service: claim.service.key, ip: text, protocol: 'l2', reason: selfReason(claim, scope, plan) });
    }
  }
  return { l2, skipped };
}

// Who announces an IP on layer 2: one node per IP, chosen the same way by every speaker
// that has the same view. Rank: preferred-node weight (higher first), then
// sha256(node + "#" + ip) (lowest hex first), then node name (a tie-break that never fires).
import { createHash } from 'node:crypto';
import { canonicalIp } from '../../lib/ip/index.ts';
import { compareCodePoints } from '../../lib/order/index.ts';
import { liveOnInterfaces, type AnnounceInterfaces, type LinksOf } from './link-state.ts';

export interface OwnerCandidate {
  node: string;
  /** Preferred-node weight; higher wins. 0 when the node has no preference. */
  weight: number;
}

export interface AnnouncedIp {
  ip: string;
  /** Nodes allowed to announce this IP (matching an L2Advertisement, with endpoints if Local). */
  candidates: readonly OwnerCandidate[];
  /** Interfaces it is announced on (per-interface liveness in ownedIPs); absent: not checked. */
  interfaces?: AnnounceInterfaces;
}

export function ownershipHash(node: string, ip: string): string {
  return createHash('sha256').update(`${node}#${ip}`).digest('hex');
}

/** Candidates best first; a node listed twice keeps its highest weight. */
export function rankCandidates(ip: string, candidates: readonly OwnerCandidate[]): OwnerCandidate[] {
  const key = canonicalIp(ip) ?? ip; // so '2001:DB8::1' and '2001:db8:0::1' rank alike
  const best = new Map<string, number>();
  for (const { node, weight } of candidates) {
    const w = Number.isFinite(weight) ? weight : 0;
    best.set(node, Math.max(best.get(node) ?? -Infinity, w));
  }
  const ranked = [...best].map(([node, weight]) => ({ node, weight, hash: ownershipHash(node, key) }));
  ranked.sort((a, b) => b.weight - a.weight || compareCodePoints(a.hash, b.hash) || compareCodePoints(a.node, b.node));
  return ranked.map(({ node, weight }) => ({ node, weight }));
}

/** The node that announces ip among candidates, or undefined when there is none. */
export function ownerOf(ip: string, candidates: readonly OwnerCandidate[]): string | undefined {
  return rankCandidates(ip, candidates)[0]?.node;
}

/**
 * The IPs self announces: for each IP, the best-ranked candidate among live nodes.
 * Self counts as live (a speaker does not watch itself); the caller leaves self out of
 * an IP's candidates when it is not eligible (no matching interface, no local endpoint).
 * Entries for one IP (Services sharing it) are merged first, so they all get one node.
 */
export function ownedIPs(self: string, ips: readonly AnnouncedIp[], liveNodes: ReadonlySet<string>, linksOf?: LinksOf): string[] {
  const owned: string[] = [];
  for (const { ip, candidates, interfaces } of mergeSharedIps(ips)) {
    // With linksOf, a node (self too) whose heartbeat marks the IP's interfaces down is out.
    const up = linksOf ? liveOnInterfaces(self, liveNodes, interfaces, linksOf) : undefined;
    const live = candidates.filter((c) => (up ? up.has(c.node) : c.node === self || liveNodes.has(c.node)));
    if (ownerOf(ip, live) === self) owned.push(ip);
  }
  return owned;
}

/**
 * One entry per IP for Services that share it. A node must be a candidate of every
 * Service on the IP (Local traffic policy: endpoints for all of them); if no node is,
 * the union is used, so the IP is still announced by someone rather than by no one.
 */
export function mergeSharedIps(entries: readonly AnnouncedIp[]): AnnouncedIp[] {
  const byIp = new Map<string, { lists: (readonly OwnerCandidate[])[]; interfaces: (AnnounceInterfaces | undefined)[] }>();
  for (const { ip, candidates, interfaces } of entries) {
    const key = canonicalIp(ip);
    if (key === undefined) continue;
    const entry = byIp.get(key) ?? { lists: [], interfaces: [] };
    entry.lists.push(candidates);
    entry.interfaces.push(interfaces);
    byIp.set(key, entry);
  }
  return [...byIp].map(([ip, { lists, interfaces }]) => {
    const all = lists.flat();
    const both = all.filter((c) => lists.every((list) => list.some((o) => o.node === c.node)));
    const merged: AnnouncedIp = { ip, candidates: both.length > 0 ? both : all };
    const ifaces = mergeInterfaces(interfaces);
    if (ifaces !== undefined) merged.interfaces = ifaces;
    return merged;
  });
}

/** The union: 'all' if any Service on the IP announces everywhere; undefined if none says. */
function mergeInterfaces(lists: readonly (AnnounceInterfaces | undefined)[]): AnnounceInterfaces | undefined {
  const given = lists.filter((l) => l !== undefined);
  if (given.length === 0) return undefined;
  if (given.some((l) => l === 'all' || l.length === 0)) return 'all';
  return [...new Set(given.flat())].sort();
}

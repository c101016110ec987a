// Rules that span objects: localPref conflicts between BGP advertisements, duplicate peers.
import type { V1Node } from '@kubernetes/client-node';
import { formatIp } from '../ip/index.ts';
import { type LabelSelector, canonicalSelector, matchesAnySelector } from '../selector/index.ts';
import type { Issues } from './issues.ts';
import type { BgpAdvert, BgpPeer, Pool } from './types.ts';

const byName = <T extends { name: string }>(a: T, b: T): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

function peersOverlap(a: readonly string[], b: readonly string[]): boolean {
  return a.length === 0 || b.length === 0 || a.some((p) => b.includes(p));
}

function nodesOverlap(a: readonly LabelSelector[], b: readonly LabelSelector[], nodes: readonly V1Node[] | undefined): boolean {
  if (nodes) {
    const selects = (sels: readonly LabelSelector[], n: V1Node) => sels.length === 0 || matchesAnySelector(sels, n.metadata?.labels);
    return nodes.some((n) => selects(a, n) && selects(b, n));
  }
  // Without the node list, only provably disjoint selector sets count as disjoint.
  if (a.length === 0 || b.length === 0) return true;
  const keys = new Set(a.map(canonicalSelector));
  return b.some((s) => keys.has(canonicalSelector(s)));
}

/** Two adverts without serviceSelectors may not give different localPref to the same pool, aggregation, peers and nodes. */
export function checkLocalPrefConflicts(
  adverts: readonly BgpAdvert[],
  pools: ReadonlyMap<string, Pool>,
  nodes: readonly V1Node[] | undefined,
  issues: Issues,
): void {
  const sorted = [...adverts].sort(byName);
  for (let i = 0; i < sorted.length; i++) {
    const b = sorted[i]!;
    for (let j = 0; j < i; j++) {
      const a = sorted[j]!;
      if (a.localPref === b.localPref) continue;
      // As MetalLB: with serviceSelectors, which Services either one announces is unknown here.
      if (a.serviceSelectors.length > 0 || b.serviceSelectors.length > 0) continue;
      if (!peersOverlap(a.peers, b.peers) || !nodesOverlap(a.nodeSelectors, b.nodeSelectors, nodes)) continue;
      const clash = b.pools.find((name) => {
        if (!a.pools.includes(name)) return false;
        const ranges = pools.get(name)?.ranges ?? [];
        return (ranges.some((r) => r.family === 4) && a.aggregationLength === b.aggregationLength) ||
          (ranges.some((r) => r.family === 6) && a.aggregationLengthV6 === b.aggregationLengthV6);
      });
      if (clash !== undefined) {
        issues.error('BGPAdvertisement', b.name, 'spec.localPref',
          `localPref ${b.localPref} conflicts with localPref ${a.localPref} of BGPAdvertisement "${a.name}" for pool "${clash}" ` +
          'with the same aggregation length, peers and nodes: give them the same localPref or separate their pools, peers or nodes');
        break;
      }
    }
  }
}

function peerIdentity(p: BgpPeer): string {
  const where = p.peerAddress ? formatIp(p.peerAddress) : `interface ${p.interface ?? ''}`;
  const nodes = p.nodeSelectors.map(canonicalSelector).sort().join(';');
  return `${where}|${p.peerPort}|${p.vrf}|${nodes}`;
}

/** Two BGPPeers for the same address, port and VRF on the same nodes would open the same session twice. */
export function checkDuplicatePeers(peers: readonly BgpPeer[], issues: Issues): void {
  const seen = new Map<string, string>();
  for (const p of [...peers].sort(byName)) {
    const key = peerIdentity(p);
    const first = seen.get(key);
    if (first !== undefined) {
      issues.error('BGPPeer', p.name, p.peerAddress ? 'spec.peerAddress' : 'spec.interface',
        `BGPPeer "${first}" already peers with the same address, port and VRF on the same nodes: remove one, or give them different nodeSelectors`);
    } else seen.set(key, p.name);
  }
}

// The smallest change between two route sets for one peer, keyed by prefix.
import { type Cidr, cidrKey } from '../../lib/ip/index.ts';
import type { AnnouncedRoute } from '../bgp/index.ts';

export interface RouteDiff {
  /** New prefixes and prefixes whose attributes changed (an UPDATE replaces them). */
  announce: AnnouncedRoute[];
  withdraw: Cidr[];
}

/** Attributes compared as sets: order of communities does not count as a change. */
function attributesKey(r: AnnouncedRoute): string {
  const communities = [...new Set(r.communities ?? [])].sort((a, b) => a - b);
  const large = [...new Set((r.largeCommunities ?? []).map((c) => `${c.globalAdmin}:${c.localData1}:${c.localData2}`))].sort();
  return JSON.stringify([communities, large, r.localPref ?? null, r.med ?? null]);
}

export function diffRoutes(prev: readonly AnnouncedRoute[], next: readonly AnnouncedRoute[]): RouteDiff {
  const before = new Map(prev.map((r) => [cidrKey(r.prefix), r]));
  const after = new Set<string>();
  const announce: AnnouncedRoute[] = [];
  for (const r of next) {
    const key = cidrKey(r.prefix);
    after.add(key);
    const old = before.get(key);
    if (!old || attributesKey(old) !== attributesKey(r)) announce.push(r);
  }
  const withdraw = [...before].filter(([key]) => !after.has(key)).map(([, r]) => r.prefix);
  return { announce, withdraw };
}

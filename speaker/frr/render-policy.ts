// Pure: the outbound policy of one FRR neighbour in one address family — the prefixes the
// planner gives that peer, grouped by their attributes, as prefix-lists and one route-map
// (`portside-<peer>-<afi>-out`). Each route-map entry matches one group's prefix-list and sets
// its communities, large communities, local-pref and MED; anything else falls through to the
// final deny, so the peer gets exactly its prefixes with exactly their attributes.
import { compareCidr, formatCidr } from '../../lib/ip/index.ts';
import type { AnnouncedRoute, LargeCommunity } from '../bgp/index.ts';

export type Afi = 'ipv4' | 'ipv6';

export interface NeighborPolicy {
  routeMap: string;
  /** Top-level configuration: the prefix-lists and the route-map. */
  lines: string[];
}

/** Inbound: Portside learns nothing from its peers (as the native speaker, which installs no route). */
export const DENY_IN = 'portside-deny-in';

export function denyInLines(): string[] {
  return [`route-map ${DENY_IN} deny 10`, 'exit'];
}

/** The names FRR prints for well-known communities (`show running-config`): the rendered line must read the same, or frr-reload.py rewrites it each time. */
const WELL_KNOWN: ReadonlyMap<number, string> = new Map([
  [0, 'internet'], [0xffff0000, 'graceful-shutdown'], [0xffff0001, 'accept-own'], [0xffff0002, 'route-filter-translated-v4'],
  [0xffff0003, 'route-filter-v4'], [0xffff0004, 'route-filter-translated-v6'], [0xffff0005, 'route-filter-v6'], [0xffff0006, 'llgr-stale'],
  [0xffff0007, 'no-llgr'], [0xffff0008, 'accept-own-nexthop'], [0xffff029a, 'blackhole'], [0xffffff01, 'no-export'],
  [0xffffff02, 'no-advertise'], [0xffffff03, 'local-AS'], [0xffffff04, 'no-peer'],
]);

const community = (c: number): string => WELL_KNOWN.get(c) ?? `${Math.floor(c / 0x10000)}:${c % 0x10000}`;
const large = (c: LargeCommunity): string => `${c.globalAdmin}:${c.localData1}:${c.localData2}`;

function setLines(r: AnnouncedRoute): string[] {
  return [
    ...(r.communities?.length ? [` set community ${r.communities.map(community).join(' ')}`] : []),
    ...(r.largeCommunities?.length ? [` set large-community ${r.largeCommunities.map(large).join(' ')}`] : []),
    ...(r.localPref !== undefined ? [` set local-preference ${r.localPref}`] : []),
    ...(r.med !== undefined ? [` set metric ${r.med}`] : []),
  ];
}

/** Prefix-lists and the route-map for `routes` (already of family `afi`) to the neighbour of BGPPeer `peer`. */
export function neighborPolicy(peer: string, afi: Afi, routes: readonly AnnouncedRoute[]): NeighborPolicy {
  const routeMap = `portside-${peer}-${afi}-out`;
  const groups = new Map<string, AnnouncedRoute[]>();
  for (const r of [...routes].sort((a, b) => compareCidr(a.prefix, b.prefix))) {
    const key = setLines(r).join('\n');
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const ip = afi === 'ipv4' ? 'ip' : 'ipv6';
  const lines: string[] = [];
  const entries: string[] = [];
  // Groups in the order of their first prefix: stable when unrelated prefixes come and go.
  [...groups.values()].forEach((group, i) => {
    const seq = (i + 1) * 10;
    const list = `portside-${peer}-${afi}-${seq}`;
    group.forEach((r, j) => lines.push(`${ip} prefix-list ${list} seq ${(j + 1) * 5} permit ${formatCidr(r.prefix)}`));
    entries.push(`route-map ${routeMap} permit ${seq}`, ` match ${ip} address prefix-list ${list}`, ...setLines(group[0]!), 'exit');
  });
  // An explicit last entry: the route-map exists (and denies everything) even with no prefix to send.
  entries.push(`route-map ${routeMap} deny 65535`, 'exit');
  return { routeMap, lines: [...lines, ...entries] };
}

// Pure: what to change on the node's own FRR (host-frr backend) so it announces exactly the
// prefixes the planner gave this node. Per address family, the operator's configuration picks
// the mode: `redistribute connected` → connected (the /32 or /128 goes on Portside's interface
// and FRR announces it as a connected route); otherwise dynamic (a `network` line under the
// existing `router bgp`, with Portside's own route-map when the prefix carries attributes).
// Only prefixes Portside owns are ever added or removed (ownedByPortside), and only route-maps
// named `portside-…` (host-route-maps.ts).
import { cidrToRange, familyBits, formatCidr, parseCidr, rangeContainsRange, type Cidr, type IpRange } from '../../lib/ip/index.ts';
import { compareCodePoints } from '../../lib/order/index.ts';
import { hasAttributes, routeMapLines, routeMapMatches, routeMapName, type PrefixAttributes } from './host-route-maps.ts';
import { afiOf, type Afi, type RunningConfig } from './running-config.ts';

export type HostFrrMode = 'connected' | 'dynamic';

export interface Ownership {
  /** The ranges of every IPAddressPool: a host prefix inside one is Portside's. */
  pools: readonly IpRange[];
  /** Never Portside's, whatever the pools say (--host-frr-exclude). */
  exclude: readonly Cidr[];
}

/**
 * The ownership rule (docs/bgp-backends.md): a /32 or /128 inside an IPAddressPool and outside
 * the exclude list is Portside's; so after a restart, every such `network` line or interface
 * address that the plan does not want is stale and removed. Nothing else is ever touched.
 */
export function ownedByPortside(prefix: Cidr, own: Ownership): boolean {
  if (prefix.len !== familyBits(prefix.family)) return false;
  const r = cidrToRange(prefix);
  if (own.exclude.some((e) => e.family === prefix.family && rangeContainsRange(cidrToRange(e), r))) return false;
  return own.pools.some((p) => p.family === prefix.family && rangeContainsRange(p, r));
}

export interface HostFrrChanges {
  modes: Record<Afi, HostFrrMode>;
  /**
   * `network` lines per family (CIDR text): to add, to remove, and to write again because
   * they name another route-map than the one wanted (or one where none is wanted).
   */
  networks: Record<Afi, { add: string[]; remove: string[]; rebind: string[] }>;
  /** The route-map each added or rebound `network` line names (none: a plain line). */
  routeMapOf: Record<string, string>;
  /** Portside's route-maps to write (`replace`: one of that name exists with other lines) and to delete. */
  routeMaps: { write: { name: string; lines: string[]; replace: boolean }[]; remove: string[] };
  /** Addresses to add to / remove from Portside's interface (CIDR text). */
  addresses: { add: string[]; remove: string[] };
}

const sorted = (xs: Iterable<string>) => [...new Set(xs)].sort();

/**
 * `wanted`: the prefixes this node announces; `onInterface`: the addresses now on Portside's
 * interface (CIDR text, as `ip` reports them); `attributes`: what a prefix (CIDR text) carries,
 * applied in dynamic mode only (connected mode cannot: the caller reports it). Prefixes the
 * operator owns, and route-maps not named `portside-…`, are left as they are.
 */
export function planHostFrr(
  running: RunningConfig, onInterface: readonly Cidr[], wanted: readonly Cidr[], own: Ownership,
  attributes: ReadonlyMap<string, PrefixAttributes> = new Map(),
): HostFrrChanges {
  const modes: Record<Afi, HostFrrMode> = {
    ipv4: running.bgp.families.ipv4.redistributeConnected ? 'connected' : 'dynamic',
    ipv6: running.bgp.families.ipv6.redistributeConnected ? 'connected' : 'dynamic',
  };
  const mine = wanted.filter((p) => ownedByPortside(p, own));
  const want = (afi: Afi, mode: HostFrrMode) => new Set(mine.filter((p) => afiOf(p) === afi && modes[afi] === mode).map(formatCidr));
  const networks = {} as HostFrrChanges['networks'];
  const routeMapOf: Record<string, string> = {};
  const maps = new Map<string, string[]>();
  for (const afi of ['ipv4', 'ipv6'] as const) {
    const family = running.bgp.families[afi];
    const have = new Set(family.networks);
    const wantNet = want(afi, 'dynamic');
    const bound = new Map<string, string>();
    for (const p of wantNet) {
      const a = attributes.get(p);
      if (!a || !hasAttributes(a)) continue;
      const lines = routeMapLines(a);
      const name = routeMapName(lines);
      maps.set(name, lines);
      bound.set(p, name);
    }
    const stale = family.networks.filter((text) => !wantNet.has(text) && ownedText(text, afi, own));
    const add = sorted([...wantNet].filter((p) => !have.has(p)));
    const rebind = sorted([...wantNet].filter((p) => have.has(p) && family.networkRouteMaps[p] !== bound.get(p)));
    networks[afi] = { add, remove: sorted(stale), rebind };
    for (const p of [...add, ...rebind]) {
      const name = bound.get(p);
      if (name !== undefined) routeMapOf[p] = name;
    }
  }
  const write = [...maps].filter(([name, lines]) => !routeMapMatches(running.routeMaps[name], lines))
    .map(([name, lines]) => ({ name, lines, replace: running.routeMaps[name] !== undefined }))
    .sort((a, b) => compareCodePoints(a.name, b.name));
  const routeMaps = { write, remove: sorted(Object.keys(running.routeMaps).filter((n) => !maps.has(n))) };
  const wantAddr = new Set([...want('ipv4', 'connected'), ...want('ipv6', 'connected')]);
  const present = onInterface.filter((c) => ownedByPortside(c, own)).map(formatCidr);
  const presentSet = new Set(present);
  return {
    modes,
    networks,
    routeMapOf,
    routeMaps,
    addresses: { add: sorted([...wantAddr].filter((p) => !presentSet.has(p))), remove: sorted(present.filter((p) => !wantAddr.has(p))) },
  };
}

function ownedText(text: string, afi: Afi, own: Ownership): boolean {
  const parsed = parseCidr(text);
  return parsed.ok && afiOf(parsed.value) === afi && ownedByPortside(parsed.value, own);
}

/**
 * The vtysh commands for the `network` and route-map changes: one configuration session —
 * Portside's route-maps first (a `network` line may name them), then the lines under the
 * operator's `router bgp`, then the route-maps no line names any more. Nothing else (never
 * `write`: FRR's saved file stays the operator's). Empty when there is nothing to change.
 */
export function networkCommands(asn: number, changes: HostFrrChanges): string[] {
  const maps = changes.routeMaps.write.flatMap(({ name, lines, replace }) => [
    ...(replace ? [`no route-map ${name}`] : []), `route-map ${name} permit 10`, ...lines, 'exit',
  ]);
  const line = (p: string) => {
    const map = changes.routeMapOf[p];
    return map === undefined ? `network ${p}` : `network ${p} route-map ${map}`;
  };
  const body: string[] = [];
  for (const afi of ['ipv4', 'ipv6'] as const) {
    const { add, remove, rebind } = changes.networks[afi];
    if (add.length + remove.length + rebind.length === 0) continue;
    body.push(`address-family ${afi} unicast`, ...remove.map((p) => `no network ${p}`), ...[...rebind, ...add].sort().map(line), 'exit-address-family');
  }
  const bgp = body.length === 0 ? [] : [`router bgp ${asn}`, ...body, 'exit'];
  const unused = changes.routeMaps.remove.map((name) => `no route-map ${name}`);
  const all = [...maps, ...bgp, ...unused];
  return all.length === 0 ? [] : ['configure terminal', ...all, 'end'];
}

/** True when the changes do nothing. */
export function noChanges(c: HostFrrChanges): boolean {
  const n = (afi: Afi) => c.networks[afi].add.length + c.networks[afi].remove.length + c.networks[afi].rebind.length;
  return c.addresses.add.length + c.addresses.remove.length + n('ipv4') + n('ipv6')
    + c.routeMaps.write.length + c.routeMaps.remove.length === 0;
}

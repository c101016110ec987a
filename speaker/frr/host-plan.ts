// Pure: what to change on the node's own FRR (host-frr backend) so it announces exactly the
// prefixes the planner gave this node. Per address family, the operator's configuration picks
// the mode: `redistribute connected` → connected (the /32 or /128 goes on Portside's interface
// and FRR announces it as a connected route); otherwise dynamic (a `network` line under the
// existing `router bgp`). Only prefixes Portside owns are ever added or removed (ownedByPortside).
import { cidrToRange, familyBits, formatCidr, parseCidr, rangeContainsRange, type Cidr, type IpRange } from '../../lib/ip/index.ts';
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
  /** `network` lines to add / remove, per family (CIDR text). */
  networks: Record<Afi, { add: string[]; remove: string[] }>;
  /** Addresses to add to / remove from Portside's interface (CIDR text). */
  addresses: { add: string[]; remove: string[] };
}

const sorted = (xs: Iterable<string>) => [...new Set(xs)].sort();

/**
 * `wanted`: the prefixes this node announces; `onInterface`: the addresses now on Portside's
 * interface (CIDR text, as `ip` reports them). Prefixes the operator owns are left as they are.
 */
export function planHostFrr(running: RunningConfig, onInterface: readonly Cidr[], wanted: readonly Cidr[], own: Ownership): HostFrrChanges {
  const modes: Record<Afi, HostFrrMode> = {
    ipv4: running.bgp.families.ipv4.redistributeConnected ? 'connected' : 'dynamic',
    ipv6: running.bgp.families.ipv6.redistributeConnected ? 'connected' : 'dynamic',
  };
  const mine = wanted.filter((p) => ownedByPortside(p, own));
  const want = (afi: Afi, mode: HostFrrMode) => new Set(mine.filter((p) => afiOf(p) === afi && modes[afi] === mode).map(formatCidr));
  const networks = {} as HostFrrChanges['networks'];
  for (const afi of ['ipv4', 'ipv6'] as const) {
    const have = new Set(running.bgp.families[afi].networks);
    const wantNet = want(afi, 'dynamic');
    const stale = running.bgp.families[afi].networks.filter((text) => !wantNet.has(text) && ownedText(text, afi, own));
    networks[afi] = { add: sorted([...wantNet].filter((p) => !have.has(p))), remove: sorted(stale) };
  }
  const wantAddr = new Set([...want('ipv4', 'connected'), ...want('ipv6', 'connected')]);
  const present = onInterface.filter((c) => ownedByPortside(c, own)).map(formatCidr);
  const presentSet = new Set(present);
  return {
    modes,
    networks,
    addresses: { add: sorted([...wantAddr].filter((p) => !presentSet.has(p))), remove: sorted(present.filter((p) => !wantAddr.has(p))) },
  };
}

function ownedText(text: string, afi: Afi, own: Ownership): boolean {
  const parsed = parseCidr(text);
  return parsed.ok && afiOf(parsed.value) === afi && ownedByPortside(parsed.value, own);
}

/**
 * The vtysh commands for the `network` changes: one configuration session under the
 * operator's `router bgp`, nothing else (never `write`: FRR's saved file stays the operator's).
 * Empty when there is nothing to change.
 */
export function networkCommands(asn: number, changes: HostFrrChanges): string[] {
  const body: string[] = [];
  for (const afi of ['ipv4', 'ipv6'] as const) {
    const { add, remove } = changes.networks[afi];
    if (add.length + remove.length === 0) continue;
    body.push(`address-family ${afi} unicast`, ...remove.map((p) => `no network ${p}`), ...add.map((p) => `network ${p}`), 'exit-address-family');
  }
  return body.length === 0 ? [] : ['configure terminal', `router bgp ${asn}`, ...body, 'end'];
}

/** True when the changes do nothing. */
export function noChanges(c: HostFrrChanges): boolean {
  return c.addresses.add.length + c.addresses.remove.length + c.networks.ipv4.add.length + c.networks.ipv4.remove.length
    + c.networks.ipv6.add.length + c.networks.ipv6.remove.length === 0;
}

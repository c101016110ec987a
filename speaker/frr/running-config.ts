// Pure: what Portside needs from FRR's `show running-config` — the default VRF's `router bgp`,
// per address family its `network` lines (and the route-map each names) and whether it
// redistributes connected routes, and the route-maps Portside owns (named `portside-…`).
// Read defensively: the text must look like FRR's (a "router bgp N" block closed by "exit",
// the whole config closed by "end"); anything else is an error value, and the caller then
// changes nothing. Unknown lines are skipped, never guessed at.
import { formatCidr, parseCidr, type Cidr } from '../../lib/ip/index.ts';

export type Afi = 'ipv4' | 'ipv6';

export interface AddressFamilyConfig {
  /** `network P` lines, as FRR printed them (canonical CIDR text). */
  networks: string[];
  /** `network P route-map NAME`: P → NAME, for the lines that name one. */
  networkRouteMaps: Record<string, string>;
  /** `redistribute connected` (with or without a route-map or metric). */
  redistributeConnected: boolean;
}

export interface HostBgpConfig {
  asn: number;
  /** `no bgp network import-check` is set: a `network` is announced without a matching RIB route. */
  importCheckOff: boolean;
  families: Record<Afi, AddressFamilyConfig>;
}

/** One `route-map NAME permit|deny SEQ` entry and its lines (trimmed, as FRR printed them). */
export interface RouteMapEntry {
  action: 'permit' | 'deny';
  seq: number;
  lines: string[];
}

/** Route-maps whose name starts with this are Portside's; no other route-map is read or touched. */
export const PORTSIDE_ROUTE_MAP_PREFIX = 'portside-';

export interface RunningConfig {
  /** "8.4.4" from `frr version`, when printed. */
  version: string | undefined;
  bgp: HostBgpConfig;
  /** Portside's route-maps (by PORTSIDE_ROUTE_MAP_PREFIX), their entries in FRR's order. */
  routeMaps: Record<string, RouteMapEntry[]>;
}

export type ParseRunningConfig = { ok: true; config: RunningConfig } | { ok: false; error: string };

const ASN_MAX = 4294967295;

function fail(error: string): ParseRunningConfig {
  return { ok: false, error: `FRR running-config: ${error}` };
}

function emptyFamily(): AddressFamilyConfig {
  return { networks: [], networkRouteMaps: {}, redistributeConnected: false };
}

/** Parses the output of `vtysh -c 'show running-config'`. */
export function parseRunningConfig(text: string): ParseRunningConfig {
  const lines = text.split(/\r?\n/);
  if (!lines.some((l) => l.trim() === 'end')) return fail('no closing "end" line: not FRR\'s output, or cut short');
  let version: string | undefined;
  let bgp: HostBgpConfig | undefined;
  let afi: Afi | undefined;
  let inOtherAf = false;
  let inBgp = false;
  let inOtherVrf = false;
  const routeMaps: Record<string, RouteMapEntry[]> = {};
  let routeMap: RouteMapEntry | undefined;
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    const where = `line ${i + 1}`;
    if (line === '' || line === '!') continue;
    if (!raw.startsWith(' ')) {
      // A top-level line ends whatever block we were in.
      inBgp = false;
      inOtherVrf = false;
      afi = undefined;
      inOtherAf = false;
      routeMap = undefined;
      const v = /^frr version (\S+)$/.exec(line);
      if (v) version = v[1];
      const rm = /^route-map (\S+) (permit|deny) ([0-9]{1,10})$/.exec(line);
      if (rm?.[1]?.startsWith(PORTSIDE_ROUTE_MAP_PREFIX)) {
        routeMap = { action: rm[2] as RouteMapEntry['action'], seq: Number(rm[3]), lines: [] };
        (routeMaps[rm[1]] ??= []).push(routeMap);
        continue;
      }
      const rb = /^router bgp(?:\s+(\S+))?(?:\s+vrf\s+(\S+))?(?:\s+(.*))?$/.exec(line);
      if (!rb) continue;
      // A VRF's or a view's instance is not the node's default table: left alone.
      if (rb[3] !== undefined || (rb[2] !== undefined && rb[2] !== 'default')) {
        inOtherVrf = true;
        continue;
      }
      const asn = /^[0-9]{1,10}$/.test(rb[1] ?? '') ? Number(rb[1]) : Number.NaN;
      if (!(asn >= 1 && asn <= ASN_MAX)) return fail(`${where}: "${line}" has no valid AS number`);
      if (bgp) return fail(`${where}: a second "router bgp" for the default VRF`);
      bgp = { asn, importCheckOff: false, families: { ipv4: emptyFamily(), ipv6: emptyFamily() } };
      inBgp = true;
      continue;
    }
    if (routeMap) {
      if (line === 'exit') routeMap = undefined;
      else routeMap.lines.push(line);
      continue;
    }
    if (!inBgp || inOtherVrf || !bgp) continue;
    if (line === 'exit') {
      inBgp = false;
      continue;
    }
    const af = /^address-family (\S+)(?: (\S+))?$/.exec(line);
    if (af) {
      const known = af[2] === 'unicast' && (af[1] === 'ipv4' || af[1] === 'ipv6');
      afi = known ? (af[1] as Afi) : undefined;
      inOtherAf = !known;
      continue;
    }
    if (line === 'exit-address-family') {
      afi = undefined;
      inOtherAf = false;
      continue;
    }
    if (inOtherAf) continue;
    if (line === 'no bgp network import-check') {
      bgp.importCheckOff = true;
      continue;
    }
    // FRR prints IPv4 unicast lines outside any address-family block when `bgp default ipv4-unicast` is on.
    const family = bgp.families[afi ?? 'ipv4'];
    if (/^redistribute connected(\s|$)/.test(line)) {
      family.redistributeConnected = true;
      continue;
    }
    const net = /^network (\S+)(?:\s+(.*))?$/.exec(line);
    if (net) {
      const cidr = parseCidr(net[1] ?? '');
      if (!cidr.ok) return fail(`${where}: "${line}": ${cidr.error}`);
      const wantFamily = cidr.value.family === 4 ? 'ipv4' : 'ipv6';
      if (wantFamily !== (afi ?? 'ipv4')) return fail(`${where}: "${line}" in the ${afi ?? 'ipv4'} address family`);
      const text = formatCidr(cidr.value);
      family.networks.push(text);
      const map = /(?:^|\s)route-map (\S+)/.exec(net[2] ?? '');
      if (map?.[1]) family.networkRouteMaps[text] = map[1];
    }
  }
  if (!bgp) return fail('no "router bgp" for the default VRF: configure BGP on the node first (Portside never creates it)');
  return { ok: true, config: { version, bgp, routeMaps } };
}

/** The address family a prefix belongs to. */
export function afiOf(prefix: Cidr): Afi {
  return prefix.family === 4 ? 'ipv4' : 'ipv6';
}

// Pure: BGPAdvertisement attributes (communities, large communities, local-pref) and
// GRACEFUL_SHUTDOWN as Portside's own FRR route-maps, for host-frr's dynamic mode
// (`network P route-map portside-…`). A route-map's name is derived from its content, so equal
// attributes share one route-map, a name always means the same lines (after an FRR or speaker
// restart too), and new attributes are a new route-map: one in use is never edited in place.
import { createHash } from 'node:crypto';
import type { LargeCommunity } from '../bgp/index.ts';
import { PORTSIDE_ROUTE_MAP_PREFIX, type RouteMapEntry } from './running-config.ts';

/** What FRR should set on one prefix it originates; the same for every neighbour. */
export interface PrefixAttributes {
  /** 32-bit community values. */
  communities: readonly number[];
  largeCommunities: readonly LargeCommunity[];
  localPref: number | undefined;
}

/** RFC 8326 GRACEFUL_SHUTDOWN, 65535:0. */
export const GRACEFUL_SHUTDOWN = 0xffff0000;

/** The names FRR prints for well-known communities (bgpd's community_str). */
const FRR_COMMUNITY_NAMES: Record<string, number> = {
  internet: 0,
  'graceful-shutdown': GRACEFUL_SHUTDOWN,
  'accept-own': 0xffff0001,
  'route-filter-translated-v4': 0xffff0002,
  'route-filter-v4': 0xffff0003,
  'route-filter-translated-v6': 0xffff0004,
  'route-filter-v6': 0xffff0005,
  'llgr-stale': 0xffff0006,
  'no-llgr': 0xffff0007,
  'accept-own-nexthop': 0xffff0008,
  blackhole: 0xffff029a,
  'no-export': 0xffffff01,
  'no-advertise': 0xffffff02,
  'local-as': 0xffffff03,
  'no-peer': 0xffffff04,
};

const formatCommunity = (v: number) => `${v >>> 16}:${v & 0xffff}`;
const formatLarge = (c: LargeCommunity) => `${c.globalAdmin}:${c.localData1}:${c.localData2}`;

/** True when FRR has to set something on the prefix (a route-map is needed). */
export function hasAttributes(a: PrefixAttributes): boolean {
  return a.communities.length + a.largeCommunities.length > 0 || a.localPref !== undefined;
}

/** RFC 8326 §4, as the native backend sends it: GRACEFUL_SHUTDOWN added, LOCAL_PREF 0 (iBGP only). */
export function withGracefulShutdown(a: PrefixAttributes): PrefixAttributes {
  return { ...a, communities: [...a.communities, GRACEFUL_SHUTDOWN], localPref: 0 };
}

/**
 * One prefix's attributes from what the planner gave each peer. FRR's `network` line goes to
 * every neighbour, so the attributes of all peers are merged: every community, and the highest
 * local-pref (the planner's own rule across advertisements).
 */
export function mergeAttributes(perPeer: readonly PrefixAttributes[]): PrefixAttributes {
  const prefs = perPeer.flatMap((a) => (a.localPref === undefined ? [] : [a.localPref]));
  return {
    communities: perPeer.flatMap((a) => a.communities),
    largeCommunities: perPeer.flatMap((a) => a.largeCommunities),
    localPref: prefs.length === 0 ? undefined : Math.max(...prefs),
  };
}

/** The `set` lines, canonical: communities and large communities sorted and unique. */
export function routeMapLines(a: PrefixAttributes): string[] {
  const communities = [...new Set(a.communities)].sort((x, y) => x - y).map(formatCommunity);
  const large = [...new Set(a.largeCommunities.map(formatLarge))].sort(compareLargeText);
  return [
    ...(communities.length > 0 ? [`set community ${communities.join(' ')} additive`] : []),
    ...(large.length > 0 ? [`set large-community ${large.join(' ')} additive`] : []),
    ...(a.localPref !== undefined ? [`set local-preference ${a.localPref}`] : []),
  ];
}

function compareLargeText(x: string, y: string): number {
  const a = x.split(':').map(Number), b = y.split(':').map(Number);
  return (a[0]! - b[0]!) || (a[1]! - b[1]!) || (a[2]! - b[2]!);
}

/** `portside-` and a hash of the lines: stable across restarts, the same for the same attributes. */
export function routeMapName(lines: readonly string[]): string {
  return `${PORTSIDE_ROUTE_MAP_PREFIX}${createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 16)}`;
}

/**
 * True when FRR holds exactly the route-map Portside writes for `lines`: one `permit 10` entry
 * with those `set` lines (read in FRR's spelling: well-known names, its order). Anything else —
 * a line added by hand, a missing `additive` — is rewritten.
 */
export function routeMapMatches(entries: readonly RouteMapEntry[] | undefined, lines: readonly string[]): boolean {
  const [only, ...more] = entries ?? [];
  if (!only || more.length > 0 || only.action !== 'permit' || only.seq !== 10) return false;
  const read = only.lines.map(canonicalSetLine);
  return read.length === lines.length && read.every((l, i) => l !== undefined && l === lines[i]);
}

/** A `set` line as FRR prints it → Portside's canonical spelling; undefined when not one of ours. */
function canonicalSetLine(line: string): string | undefined {
  const [set, what, ...args] = line.split(/\s+/);
  if (set !== 'set') return undefined;
  if (what === 'local-preference') return args.length === 1 && /^[0-9]{1,10}$/.test(args[0]!) ? `set local-preference ${Number(args[0])}` : undefined;
  if (args.at(-1) !== 'additive' || args.length < 2) return undefined;
  const values = args.slice(0, -1);
  if (what === 'community') {
    const parsed = values.map(frrCommunity);
    if (parsed.some((v) => v === undefined)) return undefined;
    return routeMapLines({ communities: parsed as number[], largeCommunities: [], localPref: undefined })[0];
  }
  if (what === 'large-community') {
    const parsed = values.map((v) => v.split(':').map((n) => (/^[0-9]{1,10}$/.test(n) ? Number(n) : Number.NaN)));
    if (parsed.some((p) => p.length !== 3 || p.some((n) => !(n <= 0xffffffff)))) return undefined;
    return routeMapLines({ communities: [], largeCommunities: parsed.map(([g, l1, l2]) => ({ globalAdmin: g!, localData1: l1!, localData2: l2! })), localPref: undefined })[0];
  }
  return undefined;
}

function frrCommunity(text: string): number | undefined {
  const named = FRR_COMMUNITY_NAMES[text.toLowerCase()];
  if (named !== undefined) return named;
  const m = /^([0-9]{1,5}):([0-9]{1,5})$/.exec(text);
  const hi = Number(m?.[1]), lo = Number(m?.[2]);
  return m && hi <= 0xffff && lo <= 0xffff ? hi * 0x10000 + lo : undefined;
}

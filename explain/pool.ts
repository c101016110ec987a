// Pure: one IPAddressPool — size, used and free per family (the controller's counters in the
// pool's status), who holds which addresses, who waits for one, and how long the free ones
// last at the recent allocation rate (Services whose Allocated condition turned True within
// the window).
import { buildConfig } from '../lib/config/index.ts';
import { parseAddressRange, parseIp, rangeContains, rangeSize } from '../lib/ip/index.ts';
import type { IpRange } from '../lib/ip/index.ts';
import { compareCodePoints } from '../lib/order/index.ts';
import { ALLOCATED_CONDITION, POOL_ANNOTATION } from '../operator/service-status.ts';
import { poolStatuses, serviceKeyOf } from './snapshot.ts';
import type { Snapshot } from './snapshot.ts';
import type { Verdict } from './verdict.ts';

/** The recent allocation rate is counted over this window. */
export const RATE_WINDOW_MS = 24 * 3600_000;

export interface FamilyUsage {
  family: 'IPv4' | 'IPv6';
  /** Decimal strings: an IPv6 pool can hold 2^64 addresses and more. */
  size: string;
  used: string;
  free: string;
  /** Addresses of this family given out within the window. */
  recentAllocations: number;
  /** Milliseconds until none is free at the recent rate; undefined when nothing was allocated lately. */
  exhaustionMs?: number;
}

export interface PoolReport {
  pool: string;
  exists: boolean;
  addresses: string[];
  autoAssign: boolean;
  avoidBuggyIPs: boolean;
  /** Whether the counters come from the controller (pool status) or were counted here. */
  countedBy: 'controller' | 'explain';
  families: FamilyUsage[];
  holders: { service: string; ips: string[]; since?: string }[];
  pending: { service: string; reason: string; message: string }[];
  rateWindowMs: number;
  configErrors: string[];
  verdict: Verdict;
}

interface RawPool {
  metadata?: { name?: string };
  spec?: { addresses?: string[]; autoAssign?: boolean; avoidBuggyIPs?: boolean };
}

export function explainPool(snapshot: Snapshot, name: string): PoolReport {
  const raw = (snapshot.config.pools as RawPool[]).find((p) => p.metadata?.name === name);
  const built = buildConfig(snapshot.config);
  const configErrors = built.ok ? [] : built.errors.filter((e) => e.kind === 'IPAddressPool' && e.name === name)
    .map((e) => `${e.field}: ${e.message}`);
  const base = {
    pool: name, exists: !!raw, addresses: raw?.spec?.addresses ?? [], autoAssign: raw?.spec?.autoAssign ?? true,
    avoidBuggyIPs: raw?.spec?.avoidBuggyIPs ?? false, rateWindowMs: RATE_WINDOW_MS, configErrors,
  };
  if (!raw) {
    const known = (snapshot.config.pools as RawPool[]).map((p) => p.metadata?.name).filter(Boolean).join(', ') || 'none';
    return {
      ...base, countedBy: 'explain', families: [], holders: [], pending: [],
      verdict: { healthy: false, summary: `no IPAddressPool ${name} in ${snapshot.installNamespace}`, next: `pools there: ${known}` },
    };
  }
  const ranges = base.addresses.flatMap((a) => {
    const r = parseAddressRange(a);
    return r.ok ? [r.value] : [];
  });
  const holders = holdersOf(snapshot, name, ranges);
  const namesPool = new RegExp(`pool ${name.replace(/[.]/g, '\\.')}(?![\\w.-])`);
  const pending = snapshot.services.flatMap((svc) => {
    const c = svc.status?.conditions?.find((x) => x.type === ALLOCATED_CONDITION);
    const mentions = namesPool.test(c?.message ?? '') || svc.metadata?.annotations?.['portside.dev/address-pool'] === name;
    return c?.status === 'False' && mentions ? [{ service: serviceKeyOf(svc), reason: c.reason ?? '', message: c.message ?? '' }] : [];
  }).sort((a, b) => compareCodePoints(a.service, b.service));
  const status = poolStatuses(snapshot).get(name);
  const families: FamilyUsage[] = [];
  for (const family of [4, 6] as const) {
    const own = ranges.filter((r) => r.family === family);
    if (own.length === 0) continue;
    const usedHere = BigInt(holders.reduce((n, h) => n + h.ips.filter((ip) => parseIp(ip)?.family === family).length, 0));
    let used: bigint;
    let free: bigint;
    if (status) {
      used = BigInt((family === 4 ? status.assignedIPv4 : status.assignedIPv6) ?? 0);
      free = family === 4 ? BigInt(status.availableIPv4 ?? 0) : BigInt(status.availableIPv6Exact ?? status.availableIPv6 ?? 0);
    } else {
      used = usedHere;
      free = own.reduce((n, r) => n + rangeSize(r), 0n) - used;
    }
    const recent = holders.filter((h) => h.since !== undefined && snapshot.now - Date.parse(h.since) <= RATE_WINDOW_MS)
      .reduce((n, h) => n + h.ips.filter((ip) => parseIp(ip)?.family === family).length, 0);
    families.push({
      family: family === 4 ? 'IPv4' : 'IPv6', size: (used + free).toString(), used: used.toString(), free: free.toString(),
      recentAllocations: recent,
      ...(recent > 0 ? { exhaustionMs: Number(free) * (RATE_WINDOW_MS / recent) } : {}),
    });
  }
  return { ...base, countedBy: status ? 'controller' : 'explain', families, holders, pending, verdict: poolVerdict(name, families, pending, configErrors, !!status) };
}

function holdersOf(snapshot: Snapshot, name: string, ranges: readonly IpRange[]): PoolReport['holders'] {
  return snapshot.services.flatMap((svc) => {
    const ips = (svc.status?.loadBalancer?.ingress ?? []).flatMap((i) => (i.ip ? [i.ip] : []));
    const annotated = svc.metadata?.annotations?.[POOL_ANNOTATION];
    const inPool = ips.filter((t) => {
      const ip = parseIp(t);
      return ip !== undefined && ranges.some((r) => rangeContains(r, ip));
    });
    if (annotated !== name && (annotated !== undefined || inPool.length === 0)) return [];
    const c = svc.status?.conditions?.find((x) => x.type === ALLOCATED_CONDITION && x.status === 'True');
    const since = c?.lastTransitionTime ? new Date(c.lastTransitionTime).toISOString() : undefined;
    return [{ service: serviceKeyOf(svc), ips: annotated === name ? ips : inPool, ...(since ? { since } : {}) }];
  }).sort((a, b) => compareCodePoints(a.service, b.service));
}

function poolVerdict(name: string, families: readonly FamilyUsage[], pending: PoolReport['pending'], configErrors: readonly string[], counted: boolean): Verdict {
  if (configErrors.length > 0) return { healthy: false, summary: `pool ${name} is invalid: ${configErrors[0]}`, next: 'fix the pool\'s spec' };
  const full = families.filter((f) => f.free === '0').map((f) => f.family);
  const usage = families.map((f) => `${f.family} ${f.used}/${f.size} used`).join(', ');
  if (full.length > 0 || pending.length > 0) {
    const waits = pending.length > 0 ? `; ${pending.length} Service(s) wait for an IP` : '';
    return {
      healthy: false,
      summary: `pool ${name}${full.length > 0 ? ` has no free ${full.join(' or ')} address` : ''} (${usage})${waits}`,
      next: 'add addresses to spec.addresses, or free some by deleting Services that no longer need them',
    };
  }
  if (!counted) return { healthy: false, summary: `pool ${name} has no status: the controller has not counted it (${usage})`, next: 'check the controller (portside status)' };
  return { healthy: true, summary: `OK: pool ${name} (${usage})`, next: 'nothing to do' };
}

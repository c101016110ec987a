// BGPAdvertisement → BgpAdvert: aggregation lengths checked against the pools, communities resolved.
import { shortestCidrLen, formatRange } from '../ip/index.ts';
import { type Issues, type ObjectIssues, forObject } from './issues.ts';
import { type PoolCatalog, resolvePools } from './poolrefs.ts';
import type { BGPAdvertisementInput } from './resources.ts';
import { nameList, selectorList } from './selectors.ts';
import { communityKey, resolveCommunity } from './community.ts';
import type { BgpAdvert, CommunityValue } from './types.ts';

export interface BgpAdvertContext {
  catalog: PoolCatalog;
  communityAliases: ReadonlyMap<string, CommunityValue>;
  /** Every BGPPeer object's name. */
  peerNames: ReadonlySet<string>;
}

function length(value: number | undefined, dflt: number, min: number, max: number, field: string, report: ObjectIssues): number {
  if (value === undefined || value === null) return dflt;
  if (!Number.isInteger(value) || value < min || value > max) {
    report.error(field, `aggregation length ${String(value)} is out of range: use ${min}-${max}`);
  }
  return value;
}

function communities(texts: readonly string[] | undefined, aliases: ReadonlyMap<string, CommunityValue>, report: ObjectIssues): CommunityValue[] {
  const out: CommunityValue[] = [];
  const seen = new Map<string, number>();
  (texts ?? []).forEach((text, i) => {
    const r = resolveCommunity(text, aliases);
    if (!r.ok) { report.error(`spec.communities[${i}]`, r.error); return; }
    const key = communityKey(r.value);
    const first = seen.get(key);
    if (first !== undefined) {
      report.error(`spec.communities[${i}]`, `community ${key} is already given as spec.communities[${first}]: remove the duplicate`);
      return;
    }
    seen.set(key, i);
    out.push(r.value);
  });
  return out;
}

export function buildBgpAdvert(obj: BGPAdvertisementInput, issues: Issues, ctx: BgpAdvertContext): BgpAdvert | undefined {
  const name = obj.metadata.name ?? '';
  const report = forObject(issues, 'BGPAdvertisement', name);
  const spec = obj.spec ?? {};
  const before = issues.errors.length;
  const aggregationLength = length(spec.aggregationLength, 32, 1, 32, 'spec.aggregationLength', report);
  const aggregationLengthV6 = length(spec.aggregationLengthV6, 128, 0, 128, 'spec.aggregationLengthV6', report);
  const localPref = spec.localPref ?? 0;
  if (!Number.isInteger(localPref) || localPref < 0 || localPref > 0xffffffff) {
    report.error('spec.localPref', `localPref ${String(localPref)} is out of range: use 0-4294967295`);
  }
  const pools = resolvePools(spec.ipAddressPools, spec.ipAddressPoolSelectors, ctx.catalog, report);
  const peers = nameList(spec.peers, 'spec.peers', 'BGPPeer', report);
  peers.forEach((p, i) => {
    if (!ctx.peerNames.has(p)) report.error(`spec.peers[${i}]`, `BGPPeer "${p}" not found: create it or fix the name`);
  });
  const serviceSelectors = selectorList(spec.serviceSelectors, 'spec.serviceSelectors', report);
  if (serviceSelectors.length > 0 && (aggregationLength !== 32 || aggregationLengthV6 !== 128)) {
    report.error('spec.serviceSelectors', 'serviceSelectors need the default aggregation lengths (32 and 128): an aggregate covers other Services too');
  }
  const advert: BgpAdvert = {
    name,
    pools,
    aggregationLength,
    aggregationLengthV6,
    localPref,
    communities: communities(spec.communities, ctx.communityAliases, report),
    peers,
    nodeSelectors: selectorList(spec.nodeSelectors, 'spec.nodeSelectors', report),
    serviceSelectors,
  };
  if (issues.errors.length === before) checkAggregation(advert, ctx.catalog, report);
  return issues.errors.length > before ? undefined : advert;
}

/** As MetalLB: an aggregate shorter than a pool range's shortest prefix would cover addresses outside the pool. */
function checkAggregation(advert: BgpAdvert, catalog: PoolCatalog, report: ObjectIssues): void {
  for (const poolName of advert.pools) {
    for (const r of catalog.pools.get(poolName)?.ranges ?? []) {
      const agg = r.family === 4 ? advert.aggregationLength : advert.aggregationLengthV6;
      const lowest = shortestCidrLen(r);
      if (agg < lowest) {
        const field = r.family === 4 ? 'spec.aggregationLength' : 'spec.aggregationLengthV6';
        report.error(field, `aggregation length ${agg} is shorter than /${lowest}, the widest prefix of ${formatRange(r)} in pool "${poolName}": the pool's prefix is more specific than the aggregate; use ${lowest} or more`);
      }
    }
  }
}

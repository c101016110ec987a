// BGPAdvertisement → BgpAdvert: pools, peers and community aliases resolved; aggregation checked against the pools.
import { shortestCidrLen, formatRange } from '../ip/index.ts';
import { communityKey, resolveCommunity } from './community.ts';
import { type Issues, type ObjectIssues, forObject } from './issues.ts';
import type { Named } from './parse.ts';
import { type PoolCatalog, resolvePools } from './poolrefs.ts';
import type { ValidBGPAdvertisement } from './resources.ts';
import type { BgpAdvert, CommunityValue } from './types.ts';

export interface BgpAdvertContext {
  catalog: PoolCatalog;
  communityAliases: ReadonlyMap<string, CommunityValue>;
  /** Every BGPPeer object's name. */
  peerNames: ReadonlySet<string>;
}

function communities(texts: readonly string[], aliases: ReadonlyMap<string, CommunityValue>, report: ObjectIssues): CommunityValue[] {
  const out: CommunityValue[] = [];
  const seen = new Map<string, number>();
  texts.forEach((text, i) => {
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

export function buildBgpAdvert({ name, object }: Named<ValidBGPAdvertisement>, issues: Issues, ctx: BgpAdvertContext): BgpAdvert | undefined {
  const report = forObject(issues, 'BGPAdvertisement', name);
  const { spec } = object;
  const before = issues.errors.length;
  const peers = spec.peers ?? [];
  peers.forEach((p, i) => {
    // As MetalLB: a name that matches no peer is announced to nobody, not an error.
    if (!ctx.peerNames.has(p)) report.warn(`spec.peers[${i}]`, `BGPPeer "${p}" not found: nothing is announced to that name until a peer of that name exists`);
  });
  const advert: BgpAdvert = {
    name,
    pools: resolvePools(spec.ipAddressPools ?? [], spec.ipAddressPoolSelectors ?? [], ctx.catalog, report),
    aggregationLength: spec.aggregationLength,
    aggregationLengthV6: spec.aggregationLengthV6,
    localPref: spec.localPref ?? 0,
    communities: communities(spec.communities ?? [], ctx.communityAliases, report),
    peers,
    nodeSelectors: spec.nodeSelectors ?? [],
    serviceSelectors: spec.serviceSelectors ?? [],
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

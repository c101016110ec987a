// The pure config model: API objects in, a validated Config (or every problem) out. Never throws.
import { buildBfdProfile } from './bfd.ts';
import { buildBgpAdvert } from './bgpadvert.ts';
import { buildCommunityAliases } from './community.ts';
import { checkDuplicatePeers, checkLocalPrefConflicts } from './crosscheck.ts';
import { Issues } from './issues.ts';
import { buildL2Advert } from './l2.ts';
import { uniquelyNamed } from './names.ts';
import { buildPeer } from './peer.ts';
import { buildPool, checkPoolOverlaps } from './pool.ts';
import type { BfdProfile, BgpAdvert, BgpPeer, BuildInput, BuildResult, Config, L2Advert, Pool } from './types.ts';

function defined<T>(items: readonly (T | undefined)[]): T[] {
  return items.filter((x): x is T => x !== undefined);
}

function byName<T extends { name: string }>(items: readonly T[]): Map<string, T> {
  return new Map([...items].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((x) => [x.name, x]));
}

function build(input: BuildInput, issues: Issues): Config {
  const namespaces = input.namespaces
    ? new Set(input.namespaces.map((n) => n.metadata?.name ?? '').filter((n) => n !== ''))
    : undefined;

  const poolObjects = uniquelyNamed('IPAddressPool', input.pools, issues);
  const pools = defined(poolObjects.map((o) => issues.guard('IPAddressPool', o.metadata.name!, () => buildPool(o, issues, namespaces))));
  checkPoolOverlaps(pools, issues);
  const catalog = { pools: byName(pools), allNames: new Set(poolObjects.map((o) => o.metadata.name!)) };

  const bfdProfiles = byName(defined(uniquelyNamed('BFDProfile', input.bfdProfiles, issues)
    .map((o) => issues.guard('BFDProfile', o.metadata.name!, () => buildBfdProfile(o, issues)))));

  const communityAliases = buildCommunityAliases(uniquelyNamed('Community', input.communities, issues), issues);

  const peerObjects = uniquelyNamed('BGPPeer', input.bgpPeers, issues);
  const peers: BgpPeer[] = defined(peerObjects.map((o) => issues.guard('BGPPeer', o.metadata.name!, () =>
    buildPeer(o, issues, { bfdProfiles, secrets: input.secrets }))));
  checkDuplicatePeers(peers, issues);

  const l2: L2Advert[] = defined(uniquelyNamed('L2Advertisement', input.l2Advertisements, issues)
    .map((o) => issues.guard('L2Advertisement', o.metadata.name!, () => buildL2Advert(o, issues, catalog))));

  const bgpCtx = { catalog, communityAliases, peerNames: new Set(peerObjects.map((o) => o.metadata.name!)) };
  const bgp: BgpAdvert[] = defined(uniquelyNamed('BGPAdvertisement', input.bgpAdvertisements, issues)
    .map((o) => issues.guard('BGPAdvertisement', o.metadata.name!, () => buildBgpAdvert(o, issues, bgpCtx))));
  issues.guard('BGPAdvertisement', '', () => checkLocalPrefConflicts(bgp, catalog.pools, input.nodes, issues));

  return {
    pools: catalog.pools as Map<string, Pool>,
    l2Advertisements: [...byName(l2).values()],
    bgpAdvertisements: [...byName(bgp).values()],
    bgpPeers: byName(peers),
    bfdProfiles: bfdProfiles as Map<string, BfdProfile>,
    communityAliases,
  };
}

export function buildConfig(input: BuildInput): BuildResult {
  const issues = new Issues();
  let config: Config | undefined;
  try {
    config = build(input, issues);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    issues.error('Configuration', '', '', `unexpected error while building the configuration (${detail}): check the objects are well-formed`);
  }
  if (issues.errors.length > 0 || !config) return { ok: false, errors: issues.errors, warnings: issues.warnings };
  return { ok: true, config, warnings: issues.warnings };
}

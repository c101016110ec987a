// The pure config model: API objects in, a validated Config (or every problem) out. Never throws.
// An invalid object fails the whole build: callers keep serving their last valid Config.
import {
  parseBFDProfile, parseBGPAdvertisement, parseBGPPeer, parseCommunity, parseIPAddressPool, parseL2Advertisement,
} from '../../crds/index.ts';
import { checkBfdProfileForBackend, checkPeerForBackend } from './backend.ts';
import { buildBfdProfile } from './bfd.ts';
import { buildBgpAdvert } from './bgpadvert.ts';
import { buildCommunityAliases } from './community.ts';
import { checkDuplicatePeers, checkLocalPrefConflicts } from './crosscheck.ts';
import { Issues } from './issues.ts';
import { buildL2Advert } from './l2.ts';
import { parseObjects } from './parse.ts';
import { buildPeer } from './peer.ts';
import { buildPool, checkPoolOverlaps } from './pool.ts';
import type { BfdProfile, BgpAdvert, BgpPeer, BuildInput, BuildResult, Config, L2Advert, Pool } from './types.ts';

function defined<T>(items: readonly (T | undefined)[]): T[] {
  return items.filter((x): x is T => x !== undefined);
}

function byName<T extends { name: string }>(items: readonly T[]): Map<string, T> {
  return new Map([...items].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((x) => [x.name, x]));
}

/**
 * Each object is first parsed against its kind's schema (every per-object rule, from
 * crds/source); the builders then resolve references and check the rules between objects.
 */
function build(input: BuildInput, issues: Issues): Config {
  const namespaces = input.namespaces
    ? new Set(input.namespaces.map((n) => n.metadata?.name ?? '').filter((n) => n !== ''))
    : undefined;

  const poolObjects = parseObjects('IPAddressPool', input.pools, parseIPAddressPool, issues);
  const pools = defined(poolObjects.valid.map((o) => issues.guard('IPAddressPool', o.name, () => buildPool(o, issues, namespaces))));
  checkPoolOverlaps(pools, issues);
  const catalog = { pools: byName(pools), allNames: poolObjects.names };

  const bfdObjects = parseObjects('BFDProfile', input.bfdProfiles, parseBFDProfile, issues).valid;
  const backend = input.bgpBackend ?? 'native';
  for (const o of bfdObjects) checkBfdProfileForBackend(o.name, o.object.spec, backend, issues);
  const bfdProfiles = byName(defined(bfdObjects.map((o) => issues.guard('BFDProfile', o.name, () => buildBfdProfile(o)))));

  const communityAliases = buildCommunityAliases(parseObjects('Community', input.communities, parseCommunity, issues).valid, issues);

  const peerObjects = parseObjects('BGPPeer', input.bgpPeers, parseBGPPeer, issues);
  const peers: BgpPeer[] = defined(peerObjects.valid.map((o) => issues.guard('BGPPeer', o.name, () =>
    buildPeer(o, issues, { bfdProfiles, secrets: input.secrets }))));
  checkDuplicatePeers(peers, issues);
  for (const p of peers) checkPeerForBackend(p, backend, issues);

  const l2: L2Advert[] = defined(parseObjects('L2Advertisement', input.l2Advertisements, parseL2Advertisement, issues).valid
    .map((o) => issues.guard('L2Advertisement', o.name, () => buildL2Advert(o, issues, catalog))));

  const bgpCtx = { catalog, communityAliases, peerNames: peerObjects.names };
  const bgp: BgpAdvert[] = defined(parseObjects('BGPAdvertisement', input.bgpAdvertisements, parseBGPAdvertisement, issues).valid
    .map((o) => issues.guard('BGPAdvertisement', o.name, () => buildBgpAdvert(o, issues, bgpCtx))));
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

// L2Advertisement → L2Advert.
import type { Named } from './parse.ts';
import { type PoolCatalog, resolvePools } from './poolrefs.ts';
import { forObject, type Issues } from './issues.ts';
import type { ValidL2Advertisement } from './resources.ts';
import type { L2Advert } from './types.ts';

export function buildL2Advert({ name, object }: Named<ValidL2Advertisement>, issues: Issues, catalog: PoolCatalog): L2Advert | undefined {
  const report = forObject(issues, 'L2Advertisement', name);
  const { spec } = object;
  const before = issues.errors.length;
  const pools = resolvePools(spec.ipAddressPools ?? [], spec.ipAddressPoolSelectors ?? [], catalog, report);
  if (issues.errors.length > before) return undefined;
  return {
    name,
    pools,
    nodeSelectors: spec.nodeSelectors ?? [],
    interfaces: spec.interfaces ?? [],
    serviceSelectors: spec.serviceSelectors ?? [],
    preferredNodes: (spec.preferredNodeSelectors ?? []).map((p) => ({ weight: p.weight, preference: p.preference })),
  };
}

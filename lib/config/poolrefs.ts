// Which pools an advertisement covers: named ∪ selected, or every pool when neither is given.
import { type LabelSelector, matchesAnySelector } from '../selector/index.ts';
import type { ObjectIssues } from './issues.ts';
import { nameList, selectorList } from './selectors.ts';
import type { Pool } from './types.ts';

export interface PoolCatalog {
  /** Valid pools. */
  pools: ReadonlyMap<string, Pool>;
  /** Every pool object's name, valid or not (an invalid pool is reported on itself only). */
  allNames: ReadonlySet<string>;
}

export function resolvePools(
  names: readonly string[] | undefined,
  selectors: readonly LabelSelector[] | undefined,
  catalog: PoolCatalog,
  report: ObjectIssues,
): string[] {
  const named = nameList(names, 'spec.ipAddressPools', 'IPAddressPool', report);
  const selected = selectorList(selectors, 'spec.ipAddressPoolSelectors', report);
  named.forEach((n, i) => {
    if (!catalog.allNames.has(n)) {
      report.error(`spec.ipAddressPools[${i}]`, `IPAddressPool "${n}" not found: create it or fix the name`);
    }
  });
  if (named.length === 0 && (selectors ?? []).length === 0) return [...catalog.pools.keys()].sort();
  const out = new Set(named.filter((n) => catalog.pools.has(n)));
  for (const pool of catalog.pools.values()) {
    if (matchesAnySelector(selected, pool.labels)) out.add(pool.name);
  }
  return [...out].sort();
}

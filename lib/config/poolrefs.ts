// Which pools an advertisement covers: named ∪ selected, or every pool when neither is given.
import { type LabelSelector, matchesAnySelector } from '../selector/index.ts';
import type { ObjectIssues } from './issues.ts';
import type { Pool } from './types.ts';

export interface PoolCatalog {
  /** Valid pools. */
  pools: ReadonlyMap<string, Pool>;
  /** Every pool object's name, valid or not (an invalid pool is reported on itself only). */
  allNames: ReadonlySet<string>;
}

export function resolvePools(
  names: readonly string[],
  selectors: readonly LabelSelector[],
  catalog: PoolCatalog,
  report: ObjectIssues,
): string[] {
  // As MetalLB: a name that matches no pool selects nothing; a warning says so.
  names.forEach((n, i) => {
    if (!catalog.allNames.has(n)) {
      report.warn(`spec.ipAddressPools[${i}]`, `IPAddressPool "${n}" not found: the name selects nothing until a pool of that name exists`);
    }
  });
  if (names.length === 0 && selectors.length === 0) return [...catalog.pools.keys()].sort();
  const out = new Set(names.filter((n) => catalog.pools.has(n)));
  for (const pool of catalog.pools.values()) {
    if (matchesAnySelector(selectors, pool.labels)) out.add(pool.name);
  }
  return [...out].sort();
}

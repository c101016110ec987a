// Which Services a pool admits: spec.serviceAllocation's namespaces, namespaceSelectors and
// serviceSelectors (MetalLB's rules; they hold even for explicitly requested IPs).
import { compareCodePoints } from '../../lib/order/index.ts';
import type { ServiceKnobs } from '../../lib/service/knobs.ts';
import { matchesAnySelector } from '../../lib/selector/index.ts';
import type { AllocatorPool, NamespaceLabels } from './types.ts';

/** Why the pool does not admit the Service, or undefined when it does. */
export function admissionProblem(pool: AllocatorPool, knobs: ServiceKnobs, namespaceLabels: NamespaceLabels): string | undefined {
  const sa = pool.serviceAllocation;
  if (!sa) return undefined;
  const { namespaces, namespaceSelectors, serviceSelectors } = sa;
  // A namespace qualifies by name or by a matching namespace selector; neither given = any namespace.
  if (namespaces.length > 0 || namespaceSelectors.length > 0) {
    const byName = namespaces.includes(knobs.namespace);
    if (!byName && !matchesAnySelector(namespaceSelectors, namespaceLabels(knobs.namespace) ?? {})) {
      const parts: string[] = [];
      if (namespaces.length > 0) parts.push(`is not in its namespaces [${namespaces.join(', ')}]`);
      if (namespaceSelectors.length > 0) parts.push('matches none of its namespaceSelectors');
      return `pool ${pool.name} does not admit ${knobs.key}: namespace "${knobs.namespace}" ${parts.join(' and ')}`;
    }
  }
  if (serviceSelectors.length > 0 && !matchesAnySelector(serviceSelectors, knobs.labels)) {
    return `pool ${pool.name} does not admit ${knobs.key}: the Service's labels match none of its serviceSelectors`;
  }
  return undefined;
}

/** Lower priority number first; unset or 0 after every set one; then by name. */
export function comparePinnedPools(a: AllocatorPool, b: AllocatorPool): number {
  const pa = a.serviceAllocation?.priority || Number.POSITIVE_INFINITY;
  const pb = b.serviceAllocation?.priority || Number.POSITIVE_INFINITY;
  if (pa !== pb) return pa < pb ? -1 : 1;
  return compareCodePoints(a.name, b.name);
}

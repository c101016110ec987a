// IPAddressPool → Pool: addresses read into ranges, serviceAllocation resolved, overlaps between pools found.
import { type IpRange, formatRange, parseAddressRange, rangesOverlap } from '../ip/index.ts';
import { type Issues, forObject } from './issues.ts';
import type { Named } from './parse.ts';
import type { ValidIPAddressPool } from './resources.ts';
import type { Pool, ServiceAllocation } from './types.ts';

type AllocationSpec = NonNullable<ValidIPAddressPool['spec']['serviceAllocation']>;

function serviceAllocation(spec: AllocationSpec, warn: (field: string, message: string) => void, namespaces: ReadonlySet<string> | undefined): ServiceAllocation {
  const names = spec.namespaces ?? [];
  if (namespaces) {
    names.forEach((ns, i) => {
      if (!namespaces.has(ns)) {
        warn(`spec.serviceAllocation.namespaces[${i}]`, `namespace "${ns}" does not exist (yet): no Service can use this pool from it until it is created`);
      }
    });
  }
  return {
    priority: spec.priority ?? 0,
    namespaces: names,
    namespaceSelectors: spec.namespaceSelectors ?? [],
    serviceSelectors: spec.serviceSelectors ?? [],
  };
}

export function buildPool({ name, object }: Named<ValidIPAddressPool>, issues: Issues, namespaces: ReadonlySet<string> | undefined): Pool | undefined {
  const report = forObject(issues, 'IPAddressPool', name);
  const { spec } = object;
  const ranges: IpRange[] = [];
  let unreadable = false;
  spec.addresses.forEach((text, i) => {
    const r = parseAddressRange(text);
    if (r.ok) ranges.push(r.value);
    else {
      // The schema accepted it: lib/ip reading it otherwise is a bug, reported rather than thrown.
      report.error(`spec.addresses[${i}]`, r.error);
      unreadable = true;
    }
  });
  if (unreadable) return undefined;
  return {
    name,
    labels: { ...(object.metadata.labels ?? {}) },
    ranges,
    autoAssign: spec.autoAssign,
    avoidBuggyIPs: spec.avoidBuggyIPs,
    serviceAllocation: spec.serviceAllocation && serviceAllocation(spec.serviceAllocation, report.warn, namespaces),
  };
}

/** Ranges of different pools may not overlap; reports the later pool (by name order). */
export function checkPoolOverlaps(pools: readonly Pool[], issues: Issues): void {
  const sorted = [...pools].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (let i = 0; i < sorted.length; i++) {
    for (let j = 0; j < i; j++) {
      const p = sorted[i]!;
      const q = sorted[j]!;
      p.ranges.forEach((r, ri) => {
        const other = q.ranges.find((s) => rangesOverlap(r, s));
        if (other) {
          issues.error('IPAddressPool', p.name, `spec.addresses[${ri}]`, `${formatRange(r)} overlaps ${formatRange(other)} of pool "${q.name}": pools may not share addresses`);
        }
      });
    }
  }
}

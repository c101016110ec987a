// IPAddressPool → Pool: addresses parsed, serviceAllocation checked, overlaps found.
import { type IpRange, formatRange, parseAddressRange, rangesOverlap } from '../ip/index.ts';
import { type Issues, type ObjectIssues, forObject } from './issues.ts';
import type { IPAddressPoolInput, ServiceAllocationSpec } from './resources.ts';
import { nameList, selectorList } from './selectors.ts';
import type { Pool, ServiceAllocation } from './types.ts';

function serviceAllocation(
  spec: ServiceAllocationSpec | undefined,
  report: ObjectIssues,
  namespaces: ReadonlySet<string> | undefined,
): ServiceAllocation | undefined {
  if (!spec) return undefined;
  const priority = spec.priority ?? 0;
  if (!Number.isInteger(priority) || priority < 0) {
    report.error('spec.serviceAllocation.priority', `priority ${String(priority)} is invalid: use a whole number ≥ 0 (0 = lowest)`);
  }
  const nsNames = nameList(spec.namespaces, 'spec.serviceAllocation.namespaces', 'namespace', report);
  if (namespaces) {
    nsNames.forEach((ns) => {
      if (!namespaces.has(ns)) {
        report.warn(`spec.serviceAllocation.namespaces[${spec.namespaces!.indexOf(ns)}]`, `namespace "${ns}" does not exist (yet): no Service can use this pool from it until it is created`);
      }
    });
  }
  return {
    priority,
    namespaces: nsNames,
    namespaceSelectors: selectorList(spec.namespaceSelectors, 'spec.serviceAllocation.namespaceSelectors', report),
    serviceSelectors: selectorList(spec.serviceSelectors, 'spec.serviceAllocation.serviceSelectors', report),
  };
}

export function buildPool(obj: IPAddressPoolInput, issues: Issues, namespaces: ReadonlySet<string> | undefined): Pool | undefined {
  const name = obj.metadata.name ?? '';
  const report = forObject(issues, 'IPAddressPool', name);
  const spec = obj.spec ?? { addresses: [] };
  const before = issues.errors.length;
  const ranges: IpRange[] = [];
  const addresses = spec.addresses ?? [];
  if (addresses.length === 0) report.error('spec.addresses', 'the pool has no addresses: add a CIDR or a "start-end" range');
  addresses.forEach((text, i) => {
    const r = parseAddressRange(String(text));
    if (!r.ok) { report.error(`spec.addresses[${i}]`, r.error); return; }
    const clash = ranges.findIndex((other) => rangesOverlap(other, r.value));
    if (clash >= 0) {
      report.error(`spec.addresses[${i}]`, `"${text}" overlaps "${addresses[clash]}" (spec.addresses[${clash}]) in the same pool: make the ranges disjoint`);
    }
    ranges.push(r.value);
  });
  const avoidBuggyIPs = spec.avoidBuggyIPs ?? false;
  if (avoidBuggyIPs && ranges.length > 0 && ranges.every((r) => r.family === 6)) {
    report.error('spec.avoidBuggyIPs', `avoidBuggyIPs only skips IPv4 .0 and .255 addresses, but every range is IPv6 (${ranges.map(formatRange).join(', ')}): remove avoidBuggyIPs`);
  }
  const allocation = serviceAllocation(spec.serviceAllocation, report, namespaces);
  if (issues.errors.length > before) return undefined;
  return {
    name,
    labels: { ...(obj.metadata.labels ?? {}) },
    ranges,
    autoAssign: spec.autoAssign ?? true,
    avoidBuggyIPs,
    serviceAllocation: allocation,
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

// One pool's address sets and counters.
import { type Family, type IpAddress, compareRange, rangeContains } from '../../lib/ip/index.ts';
import { type AddressSet, isBuggyIp, makeAddressSet } from './address-set.ts';
import type { AllocatorPool, PoolStats } from './types.ts';

/** Same ranges (in the same order) and the same avoidBuggyIPs: the address sets can be kept. */
export function sameAddresses(a: AllocatorPool, b: AllocatorPool): boolean {
  return a.avoidBuggyIPs === b.avoidBuggyIPs && a.ranges.length === b.ranges.length &&
    a.ranges.every((r, i) => {
      const o = b.ranges[i]!;
      return r.family === o.family && r.first === o.first && r.last === o.last;
    });
}

/** Same in every field the allocator reads. */
export function samePool(a: AllocatorPool, b: AllocatorPool): boolean {
  return sameAddresses(a, b) && a.autoAssign === b.autoAssign &&
    JSON.stringify(a.serviceAllocation ?? null) === JSON.stringify(b.serviceAllocation ?? null);
}

export function familyName(f: Family): string {
  return f === 4 ? 'IPv4' : 'IPv6';
}

export class PoolState {
  readonly spec: AllocatorPool;
  /** Sorted by family, then first address: the first free address found is the pool's lowest. */
  readonly sets: readonly AddressSet[];

  /** `sets`: the previous PoolState's sets, reused (with their marks) when the addresses did not change. */
  constructor(spec: AllocatorPool, sets?: readonly AddressSet[]) {
    this.spec = spec;
    if (sets) {
      this.sets = sets;
      return;
    }
    const ranges = [...spec.ranges].sort(compareRange);
    this.sets = ranges.map((r) => makeAddressSet(r, spec.avoidBuggyIPs));
  }

  get name(): string {
    return this.spec.name;
  }

  hasFamily(f: Family): boolean {
    return this.sets.some((s) => s.range.family === f);
  }

  /** Whether the address belongs to the pool and may be handed out. */
  allows(ip: IpAddress): boolean {
    return this.sets.some((s) => s.range.family === ip.family && s.allows(ip.value));
  }

  /** In a range, but a reserved .0/.255 of an avoidBuggyIPs pool. */
  reserves(ip: IpAddress): boolean {
    return this.spec.avoidBuggyIPs && isBuggyIp(ip.family, ip.value) &&
      this.sets.some((s) => rangeContains(s.range, ip));
  }

  lowestFree(f: Family): IpAddress | undefined {
    for (const s of this.sets) {
      if (s.range.family !== f) continue;
      const v = s.lowestFree();
      if (v !== undefined) return { family: f, value: v };
    }
    return undefined;
  }

  stats(): PoolStats {
    let assignedIPv4 = 0n, assignedIPv6 = 0n, usableIPv4 = 0n, usableIPv6 = 0n;
    for (const s of this.sets) {
      if (s.range.family === 4) { assignedIPv4 += BigInt(s.used); usableIPv4 += s.usable; }
      else { assignedIPv6 += BigInt(s.used); usableIPv6 += s.usable; }
    }
    return { assignedIPv4, assignedIPv6, availableIPv4: usableIPv4 - assignedIPv4, availableIPv6: usableIPv6 - assignedIPv6 };
  }

  /** "254 of 254 IPv4 addresses in use". */
  usage(f: Family): string {
    const s = this.stats();
    const used = f === 4 ? s.assignedIPv4 : s.assignedIPv6;
    const total = used + (f === 4 ? s.availableIPv4 : s.availableIPv6);
    return `${used} of ${total} ${familyName(f)} addresses in use`;
  }
}

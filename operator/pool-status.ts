// Pure: IPAddressPool status from allocator counters. MetalLB's int64 fields saturate at
// 2^53-1 (what JSON numbers carry exactly); the exact IPv6 count rides in a string.
import type { PoolStats } from './allocator/index.ts';

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function clamp(n: bigint): number {
  return Number(n > MAX_SAFE ? MAX_SAFE : n);
}

export function poolStatus(stats: PoolStats): Record<string, number | string> {
  return {
    assignedIPv4: clamp(stats.assignedIPv4),
    assignedIPv6: clamp(stats.assignedIPv6),
    availableIPv4: clamp(stats.availableIPv4),
    availableIPv6: clamp(stats.availableIPv6),
    availableIPv6Exact: stats.availableIPv6.toString(),
  };
}

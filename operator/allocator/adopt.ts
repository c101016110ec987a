// Checks that only adopt() needs: an IP read back from a Service's status must still fit the Service.
import { type Family, type IpAddress, formatIp, ipEquals } from '../../lib/ip/index.ts';
import type { ServiceKnobs } from '../../lib/service/knobs.ts';
import { familyName } from './pool-state.ts';
import type { PoolState } from './pool-state.ts';
import type { PendingReason } from './types.ts';

/** "198.51.100.5 is" / "198.51.100.5 and 2001:db8::5 are". */
export function describeIps(ips: readonly IpAddress[]): string {
  return `${ips.map(formatIp).join(' and ')} ${ips.length === 1 ? 'is' : 'are'}`;
}

/**
 * Why an IP from status cannot be adopted for reasons of the Service itself (family, requested
 * IPs, one pool per Service), or undefined. `found` is the IP's pool, `pool` that of IPs already kept.
 */
export function rejectAdopted(
  ip: IpAddress,
  knobs: ServiceKnobs,
  wanted: readonly Family[],
  accepted: readonly IpAddress[],
  found: PoolState | undefined,
  pool: PoolState | undefined,
): PendingReason | undefined {
  const addr = formatIp(ip);
  if (!wanted.includes(ip.family)) {
    return { reason: 'InvalidRequest', message: `${addr} is ${familyName(ip.family)}, but ${knobs.key} wants ${wanted.map(familyName).join('+')} (${knobs.familyPolicy})` };
  }
  const twin = accepted.find((a) => a.family === ip.family);
  if (twin) {
    return { reason: 'InvalidRequest', message: `${addr}: ${knobs.key} already has the ${familyName(ip.family)} address ${formatIp(twin)}` };
  }
  const req = knobs.requestedIPs;
  if (req.length > 0 && !req.some((r) => ipEquals(r, ip))) {
    return { reason: 'InvalidRequest', message: `${addr} is not among the IPs ${knobs.key} requests (${req.map(formatIp).join(', ')})` };
  }
  if (found && pool && found !== pool) {
    return { reason: 'RequestedIPNotAllowed', message: `${addr} is in pool ${found.name}, but the other address of ${knobs.key} is from pool ${pool.name}` };
  }
  return undefined;
}

// Human messages for Services that cannot get an IP. Each names the pool, address or Service at fault.
import { type Family, type IpAddress, formatIp } from '../../lib/ip/index.ts';
import type { ServiceKnobs } from '../../lib/service/knobs.ts';
import { type PoolState, familyName } from './pool-state.ts';
import { type PendingReason, pending } from './types.ts';

/** A requested or adopted IP that no pool allows. */
export function notInAnyPool(ip: IpAddress, pools: readonly PoolState[]): PendingReason {
  const reserving = pools.find((p) => p.reserves(ip));
  const message = reserving
    ? `${formatIp(ip)} is a .0/.255 address of pool ${reserving.name}, which sets avoidBuggyIPs`
    : `${formatIp(ip)} is not in any pool`;
  return { reason: 'RequestedIPNotInAnyPool', message };
}

/** Nothing could serve the Service automatically: no pool admits it, or no pool auto-assigns. */
export function noPoolMatches(knobs: ServiceKnobs, pools: readonly PoolState[], refusals: readonly string[]) {
  if (pools.length === 0) return pending('NoPoolMatches', `no address pools are configured, so ${knobs.key} cannot get an IP`);
  const parts = [...refusals];
  const manual = pools.filter((p) => !p.spec.autoAssign).map((p) => p.name);
  if (manual.length > 0) {
    parts.push(`${manual.join(', ')} ${manual.length === 1 ? 'has' : 'have'} autoAssign off (use the address-pool annotation or request an IP)`);
  }
  return pending('NoPoolMatches', `no pool can assign ${knobs.key} an IP automatically: ${parts.join('; ')}`);
}

function families(p: PoolState): string {
  const f = ([4, 6] as const).filter((x) => p.hasFamily(x)).map(familyName);
  return f.length === 0 ? 'no addresses' : `${f.join('+')} only`;
}

/** Every candidate pool failed: either none has the families, or all are full. */
export function allocationFailure(pools: readonly PoolState[], knobs: ServiceKnobs, wanted: readonly Family[]) {
  const needAll = knobs.familyPolicy === 'RequireDualStack';
  const capable = pools.filter((p) => (needAll ? wanted.every((f) => p.hasFamily(f)) : wanted.some((f) => p.hasFamily(f))));
  if (capable.length === 0) {
    const need = needAll && wanted.length === 2 ? 'both IPv4 and IPv6' : `${wanted.map(familyName).join(' or ')} addresses`;
    const head = pools.length === 1 ? `pool ${pools[0]!.name} does not offer ${need}` : `no matching pool offers ${need}`;
    return pending('FamilyUnavailable', `${head} (${pools.map((p) => `${p.name}: ${families(p)}`).join(', ')})`);
  }
  const details = capable.map((p) => {
    const full = wanted.filter((f) => p.hasFamily(f) && p.lowestFree(f) === undefined);
    return `pool ${p.name} is exhausted (${(full.length > 0 ? full : wanted.filter((f) => p.hasFamily(f))).map((f) => p.usage(f)).join(', ')})`;
  });
  const shared = knobs.sharingKey === undefined ? '' : `; no address shared under key "${knobs.sharingKey}" can take this Service`;
  return pending('PoolExhausted', `${details.join('; ')}${shared}`);
}

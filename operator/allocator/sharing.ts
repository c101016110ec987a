// When Services may share one IP (MetalLB's rules): every one carries the same allow-shared-ip
// key; if any uses externalTrafficPolicy Local, all select the same backends; no protocol+port
// is used twice.
import { type IpAddress, formatIp } from '../../lib/ip/index.ts';
import { compareCodePoints } from '../../lib/order/index.ts';
import type { ServiceKnobs } from '../../lib/service/knobs.ts';
import type { PendingReason } from './types.ts';

function portsOverlap(a: ServiceKnobs, b: ServiceKnobs): string | undefined {
  const mine = new Set(a.ports.map((p) => `${p.protocol}/${p.port}`));
  const both = b.ports.map((p) => `${p.protocol}/${p.port}`).filter((p) => mine.has(p));
  return both.length === 0 ? undefined : [...new Set(both)].sort().join(', ');
}

/**
 * Why `knobs` may not join `others` on `ip`, or undefined when it may (also when there are
 * no others). `others` must not contain the Service itself.
 */
export function sharingProblem(ip: IpAddress, knobs: ServiceKnobs, others: readonly ServiceKnobs[]): PendingReason | undefined {
  if (others.length === 0) return undefined;
  const sorted = [...others].sort((a, b) => compareCodePoints(a.key, b.key));
  const addr = formatIp(ip);
  for (const o of sorted) {
    if (knobs.sharingKey === undefined) {
      return { reason: 'RequestedIPInUse', message: `${addr} is in use by ${o.key} (to share it, give both Services the same allow-shared-ip key)` };
    }
    if (o.sharingKey === undefined) {
      return { reason: 'RequestedIPInUse', message: `${addr} is in use by ${o.key}, which does not allow sharing` };
    }
    if (o.sharingKey !== knobs.sharingKey) {
      return {
        reason: 'SharingRefused',
        message: `sharing refused: ${addr} is shared under key "${o.sharingKey}" by ${o.key}, this Service has key "${knobs.sharingKey}"`,
      };
    }
    const local = knobs.externalTrafficPolicy === 'Local' || o.externalTrafficPolicy === 'Local';
    if (local && o.backendKey !== knobs.backendKey) {
      return {
        reason: 'SharingRefused',
        message: `sharing refused: ${addr} is used by ${o.key} with other backends; with externalTrafficPolicy Local, Services sharing an IP must select the same pods`,
      };
    }
    const overlap = portsOverlap(knobs, o);
    if (overlap !== undefined) {
      return { reason: 'SharingRefused', message: `sharing refused: port ${overlap} overlaps with ${o.key} on ${addr}` };
    }
  }
  return undefined;
}

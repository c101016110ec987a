// Next hops for what we originate, from the interface that carries a session: the other
// family's global address and the IPv6 link-local one (RFC 2545 §3 sends both on a shared LAN).
import { networkInterfaces } from 'node:os';
import type { NetworkInterfaceInfo } from 'node:os';
import { isIpv6LinkLocal, parseSocketAddress } from '../../lib/ip/index.ts';
import { canonicalAddress } from './listener.ts';

export type InterfaceTable = NodeJS.Dict<NetworkInterfaceInfo[]>;

const linkLocal = (i: NetworkInterfaceInfo): boolean => isIpv6LinkLocal(parseSocketAddress(i.address));

export interface LearnedNextHops {
  nextHop4?: string;
  nextHop6?: string;
  linkLocal6?: string;
}

/** Next hops on the interface holding `localAddress` (the session socket's local address). */
export function interfaceNextHops(localAddress: string, interfaces: InterfaceTable = networkInterfaces()): LearnedNextHops {
  const local = canonicalAddress(localAddress);
  for (const infos of Object.values(interfaces)) {
    if (!infos?.some((i) => canonicalAddress(i.address) === local)) continue;
    const v4 = infos.find((i) => i.family === 'IPv4' && !i.internal);
    const v6 = infos.find((i) => i.family === 'IPv6' && !i.internal && !linkLocal(i));
    const ll = infos.find((i) => i.family === 'IPv6' && linkLocal(i));
    return {
      ...(v4 ? { nextHop4: v4.address } : {}),
      ...(v6 ? { nextHop6: v6.address } : {}),
      ...(ll ? { linkLocal6: canonicalAddress(ll.address) } : {}),
    };
  }
  return {};
}

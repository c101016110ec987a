import type { Ipv6NextHop, LargeCommunity, OriginValue } from './attributes/types.ts';
import type { Cidr } from '../../lib/ip/index.ts';

/** What the planner asks a peer to carry for one prefix (before iBGP/eBGP export rules). */
export interface AnnouncedRoute {
  prefix: Cidr;
  communities?: number[];
  largeCommunities?: LargeCommunity[];
  localPref?: number; // iBGP only (BGPAdvertisement.localPref)
  med?: number;
}

/** The attributes actually sent for one prefix. */
export interface RouteAttributes {
  origin: OriginValue;
  asPath: number[]; // one AS_SEQUENCE; empty for iBGP
  nextHop4?: bigint;
  nextHop6?: Ipv6NextHop;
  med?: number;
  localPref?: number;
  communities?: number[];
  largeCommunities?: LargeCommunity[];
}

export interface OutboundRoute {
  prefix: Cidr;
  attributes: RouteAttributes;
}

/** A stable identity for a set of attributes: equal keys pack into one UPDATE. */
export function attributesKey(a: RouteAttributes): string {
  return JSON.stringify(a, (_k, v: unknown) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v));
}

import type { BgpMessageError } from '../errors.ts';
import type { Cidr } from '../../../lib/ip/index.ts';

export const AttrCode = {
  Origin: 1,
  AsPath: 2,
  NextHop: 3,
  MultiExitDisc: 4,
  LocalPref: 5,
  AtomicAggregate: 6,
  Aggregator: 7,
  Communities: 8,
  MpReachNlri: 14,
  MpUnreachNlri: 15,
  As4Path: 17,
  LargeCommunity: 32,
} as const;

export const AttrFlag = { Optional: 0x80, Transitive: 0x40, Partial: 0x20, ExtendedLength: 0x10 } as const;

export const Origin = { Igp: 0, Egp: 1, Incomplete: 2 } as const;
export type OriginValue = (typeof Origin)[keyof typeof Origin];

export type AsPathSegmentType = 'set' | 'sequence' | 'confedSequence' | 'confedSet';
export interface AsPathSegment {
  type: AsPathSegmentType;
  asns: number[];
}

export interface LargeCommunity {
  globalAdmin: number;
  localData1: number;
  localData2: number;
}

export interface Ipv6NextHop {
  global: bigint;
  linkLocal?: bigint;
}

export type PathAttribute =
  | { type: 'origin'; origin: OriginValue }
  | { type: 'asPath'; segments: AsPathSegment[] }
  | { type: 'as4Path'; segments: AsPathSegment[] }
  | { type: 'nextHop'; addr: bigint }
  | { type: 'med'; value: number }
  | { type: 'localPref'; value: number }
  | { type: 'atomicAggregate' }
  | { type: 'aggregator'; asn: number; addr: bigint }
  | { type: 'communities'; values: number[] }
  | { type: 'largeCommunities'; values: LargeCommunity[] }
  // IPv6 unicast only; other AFI/SAFI arrive as 'unknown' (code 14/15) and are ignored (RFC 4760 §7).
  | { type: 'mpReach'; afi: 2; safi: 1; nextHop: Ipv6NextHop; nlri: Cidr[] }
  | { type: 'mpUnreach'; afi: 2; safi: 1; withdrawn: Cidr[] }
  | { type: 'unknown'; code: number; flags: number; value: Buffer };

export type AttributeOf<T extends PathAttribute['type']> = Extract<PathAttribute, { type: T }>;

/** What the session needs to know to encode/decode attributes whose size depends on it. */
export interface AttributeContext {
  fourOctetAs: boolean;
  /** Received from an external peer: LOCAL_PREF is discarded (RFC 7606 §7.5). */
  ebgp?: boolean;
}

/** RFC 7606 §2 error-handling approaches, weakest first. */
export type ErrorAction = 'attribute-discard' | 'treat-as-withdraw' | 'session-reset';

export interface AttributeError {
  /** Attribute type code, or 0 when the error is in the attribute list itself. */
  attrCode: number;
  action: ErrorAction;
  error: BgpMessageError;
}

import { ipFromBytes, ipToBytes } from '../../../lib/ip/index.ts';
import { Cursor, malformed } from '../cursor.ts';
import { ErrorCode, UpdateSubcode } from '../errors.ts';
import type { Decoded } from '../errors.ts';
import { decodePrefixes, encodePrefixes } from '../nlri.ts';
import type { Ipv6NextHop, AttributeOf } from './types.ts';

// MP_REACH_NLRI / MP_UNREACH_NLRI (RFC 4760) for IPv6 unicast (RFC 2545 next hops).
const AFI_IPV6 = 2;
const SAFI_UNICAST = 1;
// RFC 7606 §7.11: any MP attribute error resets the session.
const bad = malformed(ErrorCode.Update, UpdateSubcode.OptionalAttributeError);

const writeV6 = (out: Buffer, offset: number, value: bigint): void => out.set(ipToBytes({ family: 6, value }), offset);
const readV6 = (b: Buffer): bigint => ipFromBytes(b, 6).value;

export function encodeIpv6NextHop(nh: Ipv6NextHop): Buffer {
  const out = Buffer.alloc(nh.linkLocal === undefined ? 16 : 32);
  writeV6(out, 0, nh.global);
  if (nh.linkLocal !== undefined) writeV6(out, 16, nh.linkLocal);
  return out;
}

export function encodeMpReach(a: AttributeOf<'mpReach'>): Buffer {
  const nh = encodeIpv6NextHop(a.nextHop);
  const head = Buffer.alloc(4);
  head.writeUInt16BE(a.afi, 0);
  head[2] = a.safi;
  head[3] = nh.length;
  return Buffer.concat([head, nh, Buffer.from([0]), encodePrefixes(a.nlri)]);
}

/** Returns undefined for AFI/SAFIs other than IPv6 unicast (kept opaque by the caller). */
export function decodeMpReach(value: Buffer): Decoded<AttributeOf<'mpReach'>> | undefined {
  const c = new Cursor(value, bad);
  const afi = c.u16('afi');
  const safi = c.u8('safi');
  if (afi !== AFI_IPV6 || safi !== SAFI_UNICAST) return undefined;
  const nhLen = c.u8('next hop length');
  if (nhLen !== 16 && nhLen !== 32) throw bad(`IPv6 next hop length ${nhLen}`);
  const nh = c.bytes(nhLen, 'next hop');
  const nextHop: Ipv6NextHop = { global: readV6(nh.subarray(0, 16)) };
  if (nhLen === 32) nextHop.linkLocal = readV6(nh.subarray(16));
  c.u8('reserved');
  const nlri = decodePrefixes(c.bytes(c.remaining, 'nlri'), 6, bad);
  return { value: { type: 'mpReach', afi: AFI_IPV6, safi: SAFI_UNICAST, nextHop, nlri }, bytesRead: value.length };
}

export function encodeMpUnreach(a: AttributeOf<'mpUnreach'>): Buffer {
  const head = Buffer.alloc(3);
  head.writeUInt16BE(a.afi, 0);
  head[2] = a.safi;
  return Buffer.concat([head, encodePrefixes(a.withdrawn)]);
}

export function decodeMpUnreach(value: Buffer): Decoded<AttributeOf<'mpUnreach'>> | undefined {
  const c = new Cursor(value, bad);
  const afi = c.u16('afi');
  const safi = c.u8('safi');
  if (afi !== AFI_IPV6 || safi !== SAFI_UNICAST) return undefined;
  const withdrawn = decodePrefixes(c.bytes(c.remaining, 'withdrawn'), 6, bad);
  return { value: { type: 'mpUnreach', afi: AFI_IPV6, safi: SAFI_UNICAST, withdrawn }, bytesRead: value.length };
}

import { encodePathAttribute } from './attributes/path-attributes.ts';
import type { AsPathSegment, AttributeContext, PathAttribute } from './attributes/types.ts';
import { encodeHeader, HEADER_LENGTH, MAX_MESSAGE_LENGTH, MessageType } from './header.ts';
import { AS_TRANS } from './open.ts';
import type { Cidr } from '../../lib/ip/index.ts';
import { encodedPrefixSize, encodePrefixes } from './nlri.ts';
import { attributesKey } from './route.ts';
import type { OutboundRoute, RouteAttributes } from './route.ts';

export interface BuildOptions {
  fourOctetAs: boolean;
  maxMessageLength?: number; // default 4096 (RFC 4271)
}

const FIXED_UPDATE = HEADER_LENGTH + 4; // header + two 2-byte length fields
const MP_REACH_FIXED = 4 + 5; // attribute header (extended) + AFI, SAFI, NH length, reserved
const MP_UNREACH_FIXED = 4 + 3;

/** The path attributes for a group, without the NLRI-carrying MP_REACH_NLRI. */
function pathAttributes(a: RouteAttributes, fourOctetAs: boolean): PathAttribute[] {
  const out: PathAttribute[] = [{ type: 'origin', origin: a.origin }];
  const wide = !fourOctetAs && a.asPath.some((asn) => asn > 0xffff);
  const seq = (asns: number[]): AsPathSegment[] => (asns.length ? [{ type: 'sequence', asns }] : []);
  out.push({ type: 'asPath', segments: seq(wide ? a.asPath.map((x) => (x > 0xffff ? AS_TRANS : x)) : a.asPath) });
  if (a.nextHop4 !== undefined) out.push({ type: 'nextHop', addr: a.nextHop4 });
  if (a.med !== undefined) out.push({ type: 'med', value: a.med });
  if (a.localPref !== undefined) out.push({ type: 'localPref', value: a.localPref });
  if (a.communities?.length) out.push({ type: 'communities', values: a.communities });
  if (wide) out.push({ type: 'as4Path', segments: seq(a.asPath) }); // RFC 6793 §4.2.2
  if (a.largeCommunities?.length) out.push({ type: 'largeCommunities', values: a.largeCommunities });
  return out;
}

function message(withdrawn: Buffer, attrs: Buffer, nlri: Buffer): Buffer {
  const length = FIXED_UPDATE + withdrawn.length + attrs.length + nlri.length;
  const lens = Buffer.alloc(2);
  lens.writeUInt16BE(withdrawn.length);
  const attrLen = Buffer.alloc(2);
  attrLen.writeUInt16BE(attrs.length);
  return Buffer.concat([encodeHeader({ length, type: MessageType.Update }), lens, withdrawn, attrLen, attrs, nlri]);
}

/** Splits prefixes into runs whose encoded NLRI fits in `budget` bytes. */
function chunk(prefixes: readonly Cidr[], budget: number): Cidr[][] {
  const out: Cidr[][] = [];
  let cur: Cidr[] = [];
  let used = 0;
  for (const p of prefixes) {
    const size = encodedPrefixSize(p);
    if (size > budget) throw new RangeError('path attributes leave no room for a prefix');
    if (used + size > budget) {
      out.push(cur);
      cur = [];
      used = 0;
    }
    cur.push(p);
    used += size;
  }
  if (cur.length) out.push(cur);
  return out;
}

/**
 * Encodes announcements as few UPDATEs as possible: prefixes with equal attributes share
 * a message, split so none exceeds the maximum message length.
 */
export function buildUpdates(routes: readonly OutboundRoute[], opts: BuildOptions): Buffer[] {
  const max = opts.maxMessageLength ?? MAX_MESSAGE_LENGTH;
  const ctx: AttributeContext = { fourOctetAs: opts.fourOctetAs };
  const groups = new Map<string, { family: 4 | 6; attributes: RouteAttributes; prefixes: Cidr[] }>();
  for (const r of routes) {
    const key = `${r.prefix.family}|${attributesKey(r.attributes)}`;
    const g = groups.get(key) ?? { family: r.prefix.family, attributes: r.attributes, prefixes: [] };
    g.prefixes.push(r.prefix);
    groups.set(key, g);
  }
  const out: Buffer[] = [];
  for (const g of groups.values()) {
    const attrs = Buffer.concat(pathAttributes(g.attributes, opts.fourOctetAs).map((a) => encodePathAttribute(a, ctx)));
    if (g.family === 4) {
      for (const part of chunk(g.prefixes, max - FIXED_UPDATE - attrs.length)) {
        out.push(message(Buffer.alloc(0), attrs, encodePrefixes(part)));
      }
      continue;
    }
    const nextHop = g.attributes.nextHop6;
    if (!nextHop) throw new RangeError('IPv6 route without an IPv6 next hop');
    const nhLen = nextHop.linkLocal === undefined ? 16 : 32;
    for (const part of chunk(g.prefixes, max - FIXED_UPDATE - attrs.length - MP_REACH_FIXED - nhLen)) {
      const mp = encodePathAttribute({ type: 'mpReach', afi: 2, safi: 1, nextHop, nlri: part }, ctx);
      out.push(message(Buffer.alloc(0), Buffer.concat([mp, attrs]), Buffer.alloc(0)));
    }
  }
  return out;
}

/** Encodes withdrawals: IPv4 in the Withdrawn Routes field, IPv6 in MP_UNREACH_NLRI. */
export function buildWithdrawals(prefixes: readonly Cidr[], opts: BuildOptions): Buffer[] {
  const max = opts.maxMessageLength ?? MAX_MESSAGE_LENGTH;
  const ctx: AttributeContext = { fourOctetAs: opts.fourOctetAs };
  const out: Buffer[] = [];
  const v4 = prefixes.filter((p) => p.family === 4);
  const v6 = prefixes.filter((p) => p.family === 6);
  for (const part of chunk(v4, max - FIXED_UPDATE)) out.push(message(encodePrefixes(part), Buffer.alloc(0), Buffer.alloc(0)));
  for (const part of chunk(v6, max - FIXED_UPDATE - MP_UNREACH_FIXED)) {
    const mp = encodePathAttribute({ type: 'mpUnreach', afi: 2, safi: 1, withdrawn: part }, ctx);
    out.push(message(Buffer.alloc(0), mp, Buffer.alloc(0)));
  }
  return out;
}

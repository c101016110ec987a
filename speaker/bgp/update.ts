import { decodePathAttributes, encodePathAttribute } from './attributes/path-attributes.ts';
import { AttrCode } from './attributes/types.ts';
import type { AttributeContext, AttributeError, PathAttribute } from './attributes/types.ts';
import { Cursor, malformed } from './cursor.ts';
import { BgpMessageError, ErrorCode, UpdateSubcode } from './errors.ts';
import type { Decoded } from './errors.ts';
import type { Cidr } from '../../lib/ip/index.ts';
import { decodePrefixes, encodePrefixes } from './nlri.ts';

export interface UpdateMessage {
  type: 'update';
  withdrawn: Cidr[]; // IPv4 only; IPv6 goes in MP_UNREACH_NLRI
  attributes: PathAttribute[];
  nlri: Cidr[]; // IPv4 only; IPv6 goes in MP_REACH_NLRI
}

export interface DecodedUpdate extends Decoded<UpdateMessage> {
  /** Non-fatal RFC 7606 errors (treat-as-withdraw, attribute-discard). */
  errors: AttributeError[];
}

export function encodeUpdateBody(m: UpdateMessage, ctx: AttributeContext): Buffer {
  const withdrawn = encodePrefixes(m.withdrawn);
  const attrs = Buffer.concat(m.attributes.map((a) => encodePathAttribute(a, ctx)));
  const lens = Buffer.alloc(2);
  lens.writeUInt16BE(withdrawn.length);
  const attrLen = Buffer.alloc(2);
  attrLen.writeUInt16BE(attrs.length);
  return Buffer.concat([lens, withdrawn, attrLen, attrs, encodePrefixes(m.nlri)]);
}

const listError = malformed(ErrorCode.Update, UpdateSubcode.MalformedAttributeList);
const nlriError = malformed(ErrorCode.Update, UpdateSubcode.InvalidNetworkField);

function missing(code: number): AttributeError {
  const error = new BgpMessageError(ErrorCode.Update, UpdateSubcode.MissingWellKnownAttribute, Buffer.from([code]), `attribute ${code} missing`);
  return { attrCode: code, action: 'treat-as-withdraw', error };
}

/**
 * Decodes a received UPDATE body. Session-reset errors throw BgpMessageError; the weaker
 * RFC 7606 outcomes are returned in `errors` with the message as parsed.
 */
export function decodeUpdateBody(buf: Buffer, ctx: AttributeContext): DecodedUpdate {
  const c = new Cursor(buf, listError);
  const withdrawnLen = c.u16('withdrawn routes length');
  const withdrawn = decodePrefixes(c.bytes(withdrawnLen, 'withdrawn routes'), 4, nlriError);
  const attrLen = c.u16('total path attribute length');
  const { attributes, errors } = decodePathAttributes(c.bytes(attrLen, 'path attributes'), ctx);
  const nlri = decodePrefixes(c.bytes(c.remaining, 'nlri'), 4, nlriError);

  const present = new Set(attributes.map((a) => a.type));
  const failed = new Set(errors.map((e) => e.attrCode));
  const mpNlri = attributes.some((a) => a.type === 'mpReach' && a.nlri.length > 0);
  if (nlri.length > 0 || mpNlri) {
    // RFC 7606 §3(d): a missing well-known mandatory attribute is treat-as-withdraw.
    if (!present.has('origin') && !failed.has(AttrCode.Origin)) errors.push(missing(AttrCode.Origin));
    if (!present.has('asPath') && !failed.has(AttrCode.AsPath)) errors.push(missing(AttrCode.AsPath));
    if (nlri.length > 0 && !present.has('nextHop') && !failed.has(AttrCode.NextHop)) errors.push(missing(AttrCode.NextHop));
  }
  const fatal = errors.find((e) => e.action === 'session-reset');
  if (fatal) throw fatal.error;
  return { value: { type: 'update', withdrawn, attributes, nlri }, bytesRead: buf.length, errors };
}

/** End-of-RIB marker (RFC 4724 §2): an empty UPDATE for IPv4, an empty MP_UNREACH for IPv6. */
export function endOfRib(family: 4 | 6): UpdateMessage {
  const attributes: PathAttribute[] = family === 4 ? [] : [{ type: 'mpUnreach', afi: 2, safi: 1, withdrawn: [] }];
  return { type: 'update', withdrawn: [], attributes, nlri: [] };
}

export function endOfRibFamily(m: UpdateMessage): 4 | 6 | undefined {
  if (m.withdrawn.length > 0 || m.nlri.length > 0) return undefined;
  if (m.attributes.length === 0) return 4;
  const [only] = m.attributes;
  if (m.attributes.length === 1 && only?.type === 'mpUnreach' && only.withdrawn.length === 0) return 6;
  return undefined;
}

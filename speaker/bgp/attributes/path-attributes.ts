import { Cursor, malformed } from '../cursor.ts';
import { BgpMessageError, ErrorCode, UpdateSubcode } from '../errors.ts';
import type { Decoded } from '../errors.ts';
import { decodeAggregator, decodeAtomicAggregate, encodeAggregator, encodeAtomicAggregate } from './aggregator.ts';
import { decodeAs4Path, decodeAsPath, encodeAs4Path, encodeAsPath } from './as-path.ts';
import { decodeCommunities, decodeLargeCommunities, encodeCommunities, encodeLargeCommunities } from './communities.ts';
import { decodeLocalPref, decodeMed, encodeLocalPref, encodeMed } from './metrics.ts';
import { decodeMpReach, decodeMpUnreach, encodeMpReach, encodeMpUnreach } from './mp-nlri.ts';
import { decodeNextHop, encodeNextHop } from './next-hop.ts';
import { decodeOrigin, encodeOrigin } from './origin.ts';
import { AttrCode, AttrFlag } from './types.ts';
import type { AttributeContext, AttributeError, AttributeOf, ErrorAction, PathAttribute } from './types.ts';

const O = AttrFlag.Optional;
const T = AttrFlag.Transitive;

interface Spec {
  code: number;
  flags: number; // expected Optional|Transitive bits
  onError: ErrorAction; // RFC 7606 §7 approach for a malformed value
  decode(value: Buffer, ctx: AttributeContext): Decoded<PathAttribute> | undefined;
  encode(attr: PathAttribute, ctx: AttributeContext): Buffer;
}

function spec<K extends Exclude<PathAttribute['type'], 'unknown'>>(
  code: number,
  flags: number,
  onError: ErrorAction,
  decode: (value: Buffer, ctx: AttributeContext) => Decoded<AttributeOf<K>> | undefined,
  encode: (attr: AttributeOf<K>, ctx: AttributeContext) => Buffer,
): Spec {
  return { code, flags, onError, decode, encode: (a, ctx) => encode(a as AttributeOf<K>, ctx) };
}

const specsByType = {
  origin: spec<'origin'>(AttrCode.Origin, T, 'treat-as-withdraw', decodeOrigin, encodeOrigin),
  asPath: spec<'asPath'>(AttrCode.AsPath, T, 'treat-as-withdraw', decodeAsPath, encodeAsPath),
  nextHop: spec<'nextHop'>(AttrCode.NextHop, T, 'treat-as-withdraw', decodeNextHop, encodeNextHop),
  med: spec<'med'>(AttrCode.MultiExitDisc, O, 'treat-as-withdraw', decodeMed, encodeMed),
  localPref: spec<'localPref'>(AttrCode.LocalPref, T, 'treat-as-withdraw', decodeLocalPref, encodeLocalPref),
  atomicAggregate: spec<'atomicAggregate'>(AttrCode.AtomicAggregate, T, 'attribute-discard', decodeAtomicAggregate, encodeAtomicAggregate),
  aggregator: spec<'aggregator'>(AttrCode.Aggregator, O | T, 'attribute-discard', decodeAggregator, encodeAggregator),
  communities: spec<'communities'>(AttrCode.Communities, O | T, 'treat-as-withdraw', decodeCommunities, encodeCommunities),
  mpReach: spec<'mpReach'>(AttrCode.MpReachNlri, O, 'session-reset', decodeMpReach, encodeMpReach),
  mpUnreach: spec<'mpUnreach'>(AttrCode.MpUnreachNlri, O, 'session-reset', decodeMpUnreach, encodeMpUnreach),
  as4Path: spec<'as4Path'>(AttrCode.As4Path, O | T, 'attribute-discard', decodeAs4Path, encodeAs4Path),
  largeCommunities: spec<'largeCommunities'>(AttrCode.LargeCommunity, O | T, 'treat-as-withdraw', decodeLargeCommunities, encodeLargeCommunities),
};
const specsByCode = new Map<number, Spec>(Object.values(specsByType).map((s) => [s.code, s]));

export function attributeCode(a: PathAttribute): number {
  return a.type === 'unknown' ? a.code : specsByType[a.type].code;
}

/** Flags, type, length (extended when the value exceeds 255 bytes), value. */
export function encodePathAttribute(a: PathAttribute, ctx: AttributeContext): Buffer {
  const value = a.type === 'unknown' ? a.value : specsByType[a.type].encode(a, ctx);
  const base = a.type === 'unknown' ? a.flags & ~AttrFlag.ExtendedLength : specsByType[a.type].flags;
  const ext = value.length > 255;
  const head = Buffer.alloc(ext ? 4 : 3);
  head[0] = base | (ext ? AttrFlag.ExtendedLength : 0);
  head[1] = attributeCode(a);
  if (ext) head.writeUInt16BE(value.length, 2);
  else head[2] = value.length;
  return Buffer.concat([head, value]);
}

export interface DecodedAttributes {
  attributes: PathAttribute[];
  errors: AttributeError[];
}

/** Decodes the Path Attributes field of a received UPDATE, classifying errors per RFC 7606. */
export function decodePathAttributes(buf: Buffer, ctx: AttributeContext): DecodedAttributes {
  const attributes: PathAttribute[] = [];
  const errors: AttributeError[] = [];
  const seen = new Set<number>();
  const c = new Cursor(buf, malformed(ErrorCode.Update, UpdateSubcode.MalformedAttributeList));
  const fail = (attrCode: number, action: ErrorAction, subcode: number, data: Buffer, detail: string): void => {
    errors.push({ attrCode, action, error: new BgpMessageError(ErrorCode.Update, subcode, Buffer.from(data), detail) });
  };
  while (c.remaining > 0) {
    const start = c.pos;
    const flags = c.buf[c.pos] ?? 0;
    const headLen = flags & AttrFlag.ExtendedLength ? 4 : 3;
    // RFC 7606 §4: a truncated attribute list is treat-as-withdraw; the NLRI field is still located.
    if (c.remaining < headLen) {
      fail(0, 'treat-as-withdraw', UpdateSubcode.MalformedAttributeList, Buffer.alloc(0), 'truncated attribute header');
      break;
    }
    c.u8('flags');
    const code = c.u8('type');
    const len = headLen === 4 ? c.u16('length') : c.u8('length');
    if (len > c.remaining) {
      fail(code, 'treat-as-withdraw', UpdateSubcode.AttributeLengthError, buf.subarray(start), `attribute ${code} overruns the list`);
      break;
    }
    const value = c.bytes(len, 'value');
    const raw = buf.subarray(start, c.pos);
    const known = specsByCode.get(code);
    if (seen.has(code)) {
      // RFC 7606 §3(g): repeated MP attributes reset; other repeats are discarded.
      const action = known?.onError === 'session-reset' ? 'session-reset' : 'attribute-discard';
      fail(code, action, UpdateSubcode.MalformedAttributeList, Buffer.alloc(0), `attribute ${code} repeated`);
      continue;
    }
    seen.add(code);
    if (!known) {
      if (!(flags & AttrFlag.Optional)) {
        fail(code, 'session-reset', UpdateSubcode.UnrecognizedWellKnownAttribute, raw, `unknown well-known attribute ${code}`);
        continue;
      }
      // An unrecognized optional transitive attribute is passed on with Partial set (RFC 4271 §5).
      const keep = flags & ~AttrFlag.ExtendedLength;
      attributes.push({ type: 'unknown', code, flags: keep & AttrFlag.Transitive ? keep | AttrFlag.Partial : keep, value: Buffer.from(value) });
      continue;
    }
    if ((flags & (O | T)) !== known.flags) {
      const action = known.onError === 'session-reset' ? 'session-reset' : 'treat-as-withdraw'; // RFC 7606 §3(c)
      fail(code, action, UpdateSubcode.AttributeFlagsError, raw, `attribute ${code} flags 0x${flags.toString(16)}`);
      continue;
    }
    if (code === AttrCode.LocalPref && ctx.ebgp) {
      fail(code, 'attribute-discard', UpdateSubcode.MalformedAttributeList, raw, 'LOCAL_PREF from an external peer');
      continue;
    }
    try {
      const decoded = known.decode(value, ctx);
      attributes.push(decoded?.value ?? { type: 'unknown', code, flags: flags & ~AttrFlag.ExtendedLength, value: Buffer.from(value) });
    } catch (err) {
      if (!(err instanceof BgpMessageError)) throw err;
      const data = err.subcode === UpdateSubcode.InvalidNextHop ? err.data : raw;
      fail(code, known.onError, err.subcode, data, err.message);
    }
  }
  return { attributes, errors };
}

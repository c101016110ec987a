import { formatIp, parseIp } from '../../lib/ip/index.ts';
import { decodeCapability, encodeCapability } from './capabilities.ts';
import type { Capability } from './capabilities.ts';
import { Cursor, malformed } from './cursor.ts';
import { BgpMessageError, ErrorCode, OpenSubcode } from './errors.ts';
import type { Decoded } from './errors.ts';

export const BGP_VERSION = 4;
export const AS_TRANS = 23456; // RFC 6793: My AS when the real ASN needs 4 octets
const CAPABILITIES_PARAMETER = 2;

export interface OpenMessage {
  type: 'open';
  version: number;
  myAs: number; // the 2-octet field as sent (AS_TRANS for large ASNs)
  holdTime: number;
  bgpId: number; // unsigned 32-bit
  capabilities: Capability[];
  /** Optional parameters other than capabilities, kept so the FSM can reject them (2/4). */
  unknownParameters: { type: number; value: Buffer }[];
}

/** The 2-octet My AS field for an ASN (RFC 6793 §4.2.3). */
export function myAsField(asn: number): number {
  return asn > 0xffff ? AS_TRANS : asn;
}

export function encodeOpenBody(m: OpenMessage): Buffer {
  // One capability per optional parameter: the form every implementation accepts.
  const params = [
    ...m.capabilities.map((cap) => ({ type: CAPABILITIES_PARAMETER, value: encodeCapability(cap) })),
    ...m.unknownParameters,
  ].map((p) => Buffer.concat([Buffer.from([p.type, p.value.length]), p.value]));
  const opt = Buffer.concat(params);
  if (opt.length > 254) throw new RangeError('optional parameters exceed 254 bytes (RFC 9072 not used)');
  const fixed = Buffer.alloc(10);
  fixed[0] = m.version;
  fixed.writeUInt16BE(m.myAs, 1);
  fixed.writeUInt16BE(m.holdTime, 3);
  fixed.writeUInt32BE(m.bgpId >>> 0, 5);
  fixed[9] = opt.length;
  return Buffer.concat([fixed, opt]);
}

const bad = malformed(ErrorCode.Open, 0);

/** Decodes an OPEN body (after the header). Unsupported version → 2/1 with data = 4. */
export function decodeOpenBody(buf: Buffer): Decoded<OpenMessage> {
  const c = new Cursor(buf, bad);
  const version = c.u8('version');
  if (version !== BGP_VERSION) {
    const data = Buffer.alloc(2);
    data.writeUInt16BE(BGP_VERSION);
    throw new BgpMessageError(ErrorCode.Open, OpenSubcode.UnsupportedVersion, data, `version ${version}`);
  }
  const myAs = c.u16('my AS');
  const holdTime = c.u16('hold time');
  const bgpId = c.u32('BGP identifier');
  let optLen = c.u8('optional parameters length');
  let extended = false;
  if (optLen === 255 && c.remaining >= 3 && c.buf[c.pos] === 255) {
    // RFC 9072 extended optional parameters length.
    c.u8('extended marker');
    optLen = c.u16('extended optional parameters length');
    extended = true;
  }
  if (optLen !== c.remaining) throw bad(`optional parameters length ${optLen}, ${c.remaining} bytes follow`);
  const capabilities: Capability[] = [];
  const unknownParameters: OpenMessage['unknownParameters'] = [];
  while (c.remaining > 0) {
    const type = c.u8('parameter type');
    const len = extended ? c.u16('parameter length') : c.u8('parameter length');
    const value = c.bytes(len, 'parameter value');
    if (type !== CAPABILITIES_PARAMETER) {
      unknownParameters.push({ type, value: Buffer.from(value) });
      continue;
    }
    for (let off = 0; off < value.length; ) {
      const cap = decodeCapability(value.subarray(off));
      capabilities.push(cap.value);
      off += cap.bytesRead;
    }
  }
  return { value: { type: 'open', version, myAs, holdTime, bgpId, capabilities, unknownParameters }, bytesRead: buf.length };
}

/** The peer's real ASN: the 4-octet capability when present, else My AS. */
export function peerAsn(open: OpenMessage): number {
  const four = open.capabilities.find((c) => c.kind === 'fourOctetAs');
  return four?.kind === 'fourOctetAs' ? four.asn : open.myAs;
}

/** A BGP Identifier is 4 octets, written as an IPv4 address. */
export function formatBgpId(id: number): string {
  return formatIp({ family: 4, value: BigInt(id >>> 0) });
}

export function parseBgpId(text: string): number {
  const addr = parseIp(text);
  if (addr?.family !== 4) throw new Error(`bad router id: ${text}`);
  return Number(addr.value);
}

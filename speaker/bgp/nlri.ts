// Prefixes on the BGP wire (RFC 4271 §4.3, RFC 4760): a length in bits, then the fewest
// octets that hold it. The prefixes themselves are lib/ip Cidrs (host bits zero).
import { type Cidr, type Family, cidrOf, familyBits, ipFromBytes, ipToBytes } from '../../lib/ip/index.ts';
import { Cursor } from './cursor.ts';
import type { BgpMessageError } from './errors.ts';

export function encodedPrefixSize(p: Cidr): number {
  return 1 + Math.ceil(p.len / 8);
}

export function encodePrefix(p: Cidr, out: Buffer, offset: number): number {
  const n = Math.ceil(p.len / 8);
  out[offset] = p.len;
  out.set(ipToBytes({ family: p.family, value: p.base }).subarray(0, n), offset + 1);
  return 1 + n;
}

export function encodePrefixes(prefixes: readonly Cidr[]): Buffer {
  const out = Buffer.alloc(prefixes.reduce((s, p) => s + encodedPrefixSize(p), 0));
  let off = 0;
  for (const p of prefixes) off += encodePrefix(p, out, off);
  return out;
}

/** Decodes a whole field of prefixes; `onError` names the NOTIFICATION for a bad field. */
export function decodePrefixes(buf: Buffer, family: Family, onError: (detail: string) => BgpMessageError): Cidr[] {
  const c = new Cursor(buf, onError);
  const out: Cidr[] = [];
  const max = familyBits(family);
  while (c.remaining > 0) {
    const len = c.u8('prefix length');
    if (len > max) throw onError(`prefix length ${len} > ${max}`);
    // Bytes past the prefix read as zero; stray bits past `len` are cleared.
    out.push(cidrOf(ipFromBytes(c.bytes(Math.ceil(len / 8), 'prefix'), family), len));
  }
  return out;
}

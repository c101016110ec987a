import { isIPv4, isIPv6 } from 'node:net';
import { Cursor } from './cursor.ts';
import type { BgpMessageError } from './errors.ts';

/** A route prefix; kept local to speaker/bgp (lib/ip is separate). Host bits are zero. */
export interface Prefix {
  family: 4 | 6;
  addr: bigint;
  len: number;
}

export function addressBits(family: 4 | 6): number {
  return family === 4 ? 32 : 128;
}

export function maskHostBits(family: 4 | 6, addr: bigint, len: number): bigint {
  const bits = BigInt(addressBits(family) - len);
  return (addr >> bits) << bits;
}

export function parseAddress(text: string): { family: 4 | 6; addr: bigint } {
  if (isIPv4(text)) {
    const addr = text.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
    return { family: 4, addr };
  }
  if (!isIPv6(text)) throw new Error(`not an IP address: ${text}`);
  let t = text.split('%')[0] ?? '';
  if (t.includes('.')) {
    // Embedded IPv4 tail (::ffff:1.2.3.4) becomes two hex groups.
    const i = t.lastIndexOf(':');
    const v4 = parseAddress(t.slice(i + 1)).addr;
    t = `${t.slice(0, i + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head = '', tail] = t.split('::');
  const h = head ? head.split(':') : [];
  const tl = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - tl.length).fill('0'), ...tl];
  const addr = groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
  return { family: 6, addr };
}

export function formatAddress(family: 4 | 6, addr: bigint): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => String((addr >> s) & 0xffn)).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => (addr >> BigInt(112 - i * 16)) & 0xffffn);
  // Compress the longest run of zero groups (RFC 5952).
  let best = -1, bestLen = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0n) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

export function parsePrefix(text: string): Prefix {
  const [a = '', l] = text.split('/');
  const { family, addr } = parseAddress(a);
  const len = l === undefined ? addressBits(family) : Number(l);
  if (!Number.isInteger(len) || len < 0 || len > addressBits(family)) throw new Error(`bad prefix length: ${text}`);
  return { family, addr: maskHostBits(family, addr, len), len };
}

export function formatPrefix(p: Prefix): string {
  return `${formatAddress(p.family, p.addr)}/${p.len}`;
}

export function encodedPrefixSize(p: Prefix): number {
  return 1 + Math.ceil(p.len / 8);
}

/** RFC 4271 §4.3 NLRI encoding: length in bits, then the minimum number of octets. */
export function encodePrefix(p: Prefix, out: Buffer, offset: number): number {
  const n = Math.ceil(p.len / 8);
  out[offset] = p.len;
  const shifted = p.addr >> BigInt(addressBits(p.family) - n * 8);
  for (let i = 0; i < n; i++) out[offset + 1 + i] = Number((shifted >> BigInt((n - 1 - i) * 8)) & 0xffn);
  return 1 + n;
}

export function encodePrefixes(prefixes: readonly Prefix[]): Buffer {
  const out = Buffer.alloc(prefixes.reduce((s, p) => s + encodedPrefixSize(p), 0));
  let off = 0;
  for (const p of prefixes) off += encodePrefix(p, out, off);
  return out;
}

/** Decodes a whole field of prefixes; `onError` names the NOTIFICATION for a bad field. */
export function decodePrefixes(buf: Buffer, family: 4 | 6, onError: (detail: string) => BgpMessageError): Prefix[] {
  const c = new Cursor(buf, onError);
  const out: Prefix[] = [];
  const max = addressBits(family);
  while (c.remaining > 0) {
    const len = c.u8('prefix length');
    if (len > max) throw onError(`prefix length ${len} > ${max}`);
    const bytes = c.bytes(Math.ceil(len / 8), 'prefix');
    let addr = 0n;
    for (const b of bytes) addr = (addr << 8n) | BigInt(b);
    addr <<= BigInt(max - bytes.length * 8);
    out.push({ family, addr: maskHostBits(family, addr, len), len });
  }
  return out;
}

export function prefixKey(p: Prefix): string {
  return `${p.family}:${p.addr.toString(16)}/${p.len}`;
}

// Text <-> bytes for MAC, IPv4 and IPv6 addresses. Parsers return undefined on bad
// input; formatters produce the canonical forms (lower-case MAC, RFC 5952 IPv6).
import { type Family, familyBits, formatIp, parseIp } from '../../lib/ip/index.ts';

export const MAC_LENGTH = 6;
export const BROADCAST_MAC = 'ff:ff:ff:ff:ff:ff';
export const ZERO_MAC = '00:00:00:00:00:00';

export function parseMac(text: string): Uint8Array | undefined {
  const parts = text.split(/[:-]/);
  if (parts.length !== MAC_LENGTH) return undefined;
  const out = new Uint8Array(MAC_LENGTH);
  for (const [i, part] of parts.entries()) {
    if (!/^[0-9a-fA-F]{1,2}$/.test(part)) return undefined;
    out[i] = parseInt(part, 16);
  }
  return out;
}

export function formatMac(bytes: Uint8Array, offset = 0): string {
  const parts: string[] = [];
  for (let i = 0; i < MAC_LENGTH; i++) parts.push((bytes[offset + i] ?? 0).toString(16).padStart(2, '0'));
  return parts.join(':');
}

// IPv4/IPv6 text handling lives in lib/ip; these are byte views of it.
function parseFamily(text: string, family: Family): Uint8Array | undefined {
  // parseIp trims; the byte parsers have always rejected surrounding whitespace.
  const addr = text === text.trim() ? parseIp(text) : undefined;
  if (addr?.family !== family) return undefined;
  const out = new Uint8Array(familyBits(family) / 8);
  let value = addr.value;
  for (let i = out.length - 1; i >= 0; i--, value >>= 8n) out[i] = Number(value & 0xffn);
  return out;
}

function formatFamily(bytes: Uint8Array, offset: number, family: Family): string {
  let value = 0n;
  for (let i = 0; i < familyBits(family) / 8; i++) value = (value << 8n) | BigInt(bytes[offset + i] ?? 0);
  return formatIp({ family, value });
}

export function parseIpv4(text: string): Uint8Array | undefined {
  return parseFamily(text, 4);
}

export function formatIpv4(bytes: Uint8Array, offset = 0): string {
  return formatFamily(bytes, offset, 4);
}

/** Parses an IPv6 literal without a zone (`%eth0`) into 16 bytes. */
export function parseIpv6(text: string): Uint8Array | undefined {
  return parseFamily(text, 6);
}

/** RFC 5952 text of 16 bytes at offset (IPv4-mapped addresses as ::ffff:a.b.c.d). */
export function formatIpv6(bytes: Uint8Array, offset = 0): string {
  const mapped = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff].every((b, i) => (bytes[offset + i] ?? 0) === b);
  return mapped ? `::ffff:${formatIpv4(bytes, offset + 12)}` : formatFamily(bytes, offset, 6);
}

/** Canonical text of an IPv6 literal, or undefined if it is not one. */
export function canonicalIpv6(text: string): string | undefined {
  const bytes = parseIpv6(text);
  return bytes && formatIpv6(bytes);
}

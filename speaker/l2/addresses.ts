// Text <-> bytes for MAC, IPv4 and IPv6 addresses. Parsers return undefined on bad
// input; formatters produce the canonical forms (lower-case MAC, RFC 5952 IPv6).
import { type Family, formatIp, ipFromBytes, ipToBytes, isIpv4Mapped, parseIp, unmapIpv4 } from '../../lib/ip/index.ts';

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

/** A MAC a reply may be sent to: not zero, not broadcast or multicast (group bit of the first octet). */
export function isUnicastMac(text: string): boolean {
  const mac = parseMac(text);
  return mac !== undefined && ((mac[0] ?? 1) & 1) === 0 && mac.some((b) => b !== 0);
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
  return addr?.family === family ? ipToBytes(addr) : undefined;
}

export function parseIpv4(text: string): Uint8Array | undefined {
  return parseFamily(text, 4);
}

export function formatIpv4(bytes: Uint8Array, offset = 0): string {
  return formatIp(ipFromBytes(bytes, 4, offset));
}

/** Parses an IPv6 literal without a zone (`%eth0`) into 16 bytes. */
export function parseIpv6(text: string): Uint8Array | undefined {
  return parseFamily(text, 6);
}

/**
 * RFC 5952 text of 16 bytes at offset. IPv4-mapped addresses read ::ffff:a.b.c.d, as
 * RFC 5952 §5 recommends and the kernel prints them (lib/ip's formatIp writes hex groups).
 */
export function formatIpv6(bytes: Uint8Array, offset = 0): string {
  const addr = ipFromBytes(bytes, 6, offset);
  return isIpv4Mapped(addr) ? `::ffff:${formatIp(unmapIpv4(addr))}` : formatIp(addr);
}

/** Canonical text of an IPv6 literal, or undefined if it is not one. */
export function canonicalIpv6(text: string): string | undefined {
  const bytes = parseIpv6(text);
  return bytes && formatIpv6(bytes);
}

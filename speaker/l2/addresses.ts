// Text <-> bytes for MAC, IPv4 and IPv6 addresses. Parsers return undefined on bad
// input; formatters produce the canonical forms (lower-case MAC, RFC 5952 IPv6).
import { isIPv4, isIPv6 } from 'node:net';

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

export function parseIpv4(text: string): Uint8Array | undefined {
  if (!isIPv4(text)) return undefined;
  return Uint8Array.from(text.split('.'), Number);
}

export function formatIpv4(bytes: Uint8Array, offset = 0): string {
  return [0, 1, 2, 3].map((i) => bytes[offset + i] ?? 0).join('.');
}

/** Parses an IPv6 literal without a zone (`%eth0`) into 16 bytes. */
export function parseIpv6(text: string): Uint8Array | undefined {
  if (text.includes('%') || !isIPv6(text)) return undefined;
  let head = text;
  const out = new Uint8Array(16);
  let tailV4: Uint8Array | undefined;
  const lastColon = head.lastIndexOf(':');
  if (head.includes('.')) {
    tailV4 = parseIpv4(head.slice(lastColon + 1));
    if (!tailV4) return undefined;
    head = head.slice(0, lastColon + 1) + '0:0';
  }
  const [left = '', right] = head.split('::');
  const leftGroups = left === '' ? [] : left.split(':');
  const rightGroups = right === undefined || right === '' ? [] : right.split(':');
  const groups =
    right === undefined
      ? leftGroups
      : [...leftGroups, ...new Array<string>(8 - leftGroups.length - rightGroups.length).fill('0'), ...rightGroups];
  if (groups.length !== 8) return undefined;
  for (const [i, g] of groups.entries()) {
    const v = parseInt(g, 16);
    out[i * 2] = v >> 8;
    out[i * 2 + 1] = v & 0xff;
  }
  if (tailV4) out.set(tailV4, 12);
  return out;
}

/** RFC 5952 text of 16 bytes at offset (IPv4-mapped addresses as ::ffff:a.b.c.d). */
export function formatIpv6(bytes: Uint8Array, offset = 0): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push(((bytes[offset + i * 2] ?? 0) << 8) | (bytes[offset + i * 2 + 1] ?? 0));
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${formatIpv4(bytes, offset + 12)}`;
  }
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  const left = hex.slice(0, bestStart).join(':');
  const right = hex.slice(bestStart + bestLength).join(':');
  return `${left}::${right}`;
}

/** Canonical text of an IPv6 literal, or undefined if it is not one. */
export function canonicalIpv6(text: string): string | undefined {
  const bytes = parseIpv6(text);
  return bytes && formatIpv6(bytes);
}

// IP addresses as (family, bigint) so IPv4 and IPv6 share one arithmetic.
export type Family = 4 | 6;

export interface IpAddress {
  readonly family: Family;
  readonly value: bigint;
}

export function familyBits(family: Family): 32 | 128 {
  return family === 4 ? 32 : 128;
}

export function maxValue(family: Family): bigint {
  return (1n << BigInt(familyBits(family))) - 1n;
}

const V4_PART = /^(0|[1-9][0-9]{0,2})$/;

function parseV4Value(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!V4_PART.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

const HEXTET = /^[0-9a-fA-F]{1,4}$/;

function parseHextets(groups: string[]): bigint[] | undefined {
  const out: bigint[] = [];
  for (const g of groups) {
    if (!HEXTET.test(g)) return undefined;
    out.push(BigInt(parseInt(g, 16)));
  }
  return out;
}

function parseV6Value(text: string): bigint | undefined {
  if (text.length < 2 || text.length > 45) return undefined;
  let body = text;
  // An embedded IPv4 address is the last 32 bits (::ffff:198.51.100.1): rewrite as two groups.
  const lastColon = body.lastIndexOf(':');
  const last = body.slice(lastColon + 1);
  if (last.includes('.')) {
    const v4 = parseV4Value(last);
    if (v4 === undefined) return undefined;
    body = `${body.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = body.split('::');
  if (halves.length > 2) return undefined;
  let groups: bigint[];
  if (halves.length === 2) {
    const left = halves[0] === '' ? [] : parseHextets(halves[0]!.split(':'));
    const right = halves[1] === '' ? [] : parseHextets(halves[1]!.split(':'));
    if (!left || !right) return undefined;
    const fill = 8 - left.length - right.length;
    if (fill < 1) return undefined;
    groups = [...left, ...new Array<bigint>(fill).fill(0n), ...right];
  } else {
    const all = parseHextets(body.split(':'));
    if (!all || all.length !== 8) return undefined;
    groups = all;
  }
  let value = 0n;
  for (const g of groups) value = (value << 16n) | g;
  return value;
}

/** Parses a textual IPv4 or IPv6 address; undefined when it is not one. */
export function parseIp(text: string): IpAddress | undefined {
  const t = text.trim();
  if (t.includes(':')) {
    const value = parseV6Value(t);
    return value === undefined ? undefined : { family: 6, value };
  }
  const value = parseV4Value(t);
  return value === undefined ? undefined : { family: 4, value };
}

function formatV4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 0xffn)).join('.');
}

// RFC 5952: lower case, longest run (≥ 2) of zero groups as "::", first on ties.
function formatV6(value: bigint): string {
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((value >> BigInt(i * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

export function formatIp(addr: IpAddress): string {
  return addr.family === 4 ? formatV4(addr.value) : formatV6(addr.value);
}

export function ipEquals(a: IpAddress, b: IpAddress): boolean {
  return a.family === b.family && a.value === b.value;
}

/** IPv4 before IPv6, then by value. */
export function compareIp(a: IpAddress, b: IpAddress): number {
  return a.family - b.family || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0);
}

/** A stable map key for an address (cheaper than its text). */
export function ipKey(addr: IpAddress): string {
  return `${addr.family}/${addr.value.toString(16)}`;
}

/** Canonical text of an address (RFC 5952 for IPv6), or undefined if it is not one. */
export function canonicalIp(text: string): string | undefined {
  const addr = parseIp(text);
  if (!addr) return undefined;
  // The caller's own string when it is canonical already: callers keep the result (status,
  // gauges, plans), and a new copy per call was one more string per Service IP held.
  const out = formatIp(addr);
  return out === text ? text : out;
}

/** parseIp for text the program itself wrote (tests, constants): throws instead of undefined. */
export function mustParseIp(text: string): IpAddress {
  const addr = parseIp(text);
  if (!addr) throw new Error(`not an IP address: ${JSON.stringify(text)}`);
  return addr;
}

/** Network byte order: 4 bytes for IPv4, 16 for IPv6. */
export function ipToBytes(addr: IpAddress): Uint8Array {
  const out = new Uint8Array(familyBits(addr.family) / 8);
  let value = addr.value;
  for (let i = out.length - 1; i >= 0; i--, value >>= 8n) out[i] = Number(value & 0xffn);
  return out;
}

/** The address of `family` in network byte order at `offset`; missing bytes read as 0. */
export function ipFromBytes(bytes: Uint8Array, family: Family, offset = 0): IpAddress {
  let value = 0n;
  for (let i = 0; i < familyBits(family) / 8; i++) value = (value << 8n) | BigInt(bytes[offset + i] ?? 0);
  return { family, value };
}

const MAPPED_PREFIX = 0xffffn << 32n; // ::ffff:0:0/96 (RFC 4291 §2.5.5.2)

/** An IPv4-mapped IPv6 address (::ffff:a.b.c.d). */
export function isIpv4Mapped(addr: IpAddress): boolean {
  return addr.family === 6 && addr.value >> 32n === MAPPED_PREFIX >> 32n;
}

/** The IPv4 address inside an IPv4-mapped one; any other address as it is. */
export function unmapIpv4(addr: IpAddress): IpAddress {
  return isIpv4Mapped(addr) ? { family: 4, value: addr.value & 0xffffffffn } : addr;
}

/** In fe80::/10, the IPv6 link-local unicast block (false for undefined, so a failed parse is no match). */
export function isIpv6LinkLocal(addr: IpAddress | undefined): boolean {
  return addr?.family === 6 && addr.value >> 118n === 0x3fan;
}

/**
 * An address as node:net and os.networkInterfaces() report it: a zone ("%eth0") is dropped
 * and an IPv4-mapped IPv6 address (a dual-stack socket's IPv4 peer) becomes IPv4.
 */
export function parseSocketAddress(text: string): IpAddress | undefined {
  const addr = parseIp(text.replace(/%[^%]*$/, ''));
  return addr && unmapIpv4(addr);
}

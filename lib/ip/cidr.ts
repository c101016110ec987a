// CIDR prefixes (address/length, host bits zero): pool entries, BGP routes, aggregation.
import { type Family, type IpAddress, compareIp, familyBits, formatIp, maxValue, parseIp } from './address.ts';

export interface Cidr {
  readonly family: Family;
  readonly base: bigint;
  readonly len: number;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

export function parseFailure<T>(error: string): ParseResult<T> {
  return { ok: false, error };
}

/** Parses "addr/len". Host bits are cleared, as Go's net.ParseCIDR (and so MetalLB) does. */
export function parseCidr(text: string): ParseResult<Cidr> {
  const t = text.trim();
  const slash = t.indexOf('/');
  if (slash < 0) return parseFailure(`"${text}" is not a CIDR: missing "/prefix-length"`);
  const addr = parseIp(t.slice(0, slash));
  if (!addr) return parseFailure(`"${text}" is not a CIDR: "${t.slice(0, slash)}" is not an IP address`);
  const lenText = t.slice(slash + 1);
  const bits = familyBits(addr.family);
  if (!/^(0|[1-9][0-9]{0,2})$/.test(lenText) || Number(lenText) > bits) {
    return parseFailure(`"${text}" is not a CIDR: prefix length must be 0..${bits}`);
  }
  return { ok: true, value: cidrOf(addr, Number(lenText)) };
}

/** parseCidr for text the program itself wrote (tests, constants): throws on an error. */
export function mustParseCidr(text: string): Cidr {
  const c = parseCidr(text);
  if (!c.ok) throw new Error(c.error);
  return c.value;
}

export function prefixMask(family: Family, len: number): bigint {
  const bits = BigInt(familyBits(family));
  return maxValue(family) ^ ((1n << (bits - BigInt(len))) - 1n);
}

/** The prefix of length `len` that holds `addr`; without `len`, the host prefix (/32, /128). */
export function cidrOf(addr: IpAddress, len: number = familyBits(addr.family)): Cidr {
  return { family: addr.family, base: addr.value & prefixMask(addr.family, len), len };
}

export function formatCidr(c: Cidr): string {
  return `${formatIp({ family: c.family, value: c.base })}/${c.len}`;
}

/** A stable map key for a prefix (cheaper than its text). */
export function cidrKey(c: Cidr): string {
  return `${c.family}/${c.base.toString(16)}/${c.len}`;
}

/** IPv4 before IPv6, then by base address, then shorter first. */
export function compareCidr(a: Cidr, b: Cidr): number {
  return compareIp({ family: a.family, value: a.base }, { family: b.family, value: b.base }) || a.len - b.len;
}

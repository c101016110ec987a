// Ranges and CIDRs: pool addresses are written either way; both become [first, last].
import { type Family, type IpAddress, familyBits, formatIp, maxValue, parseIp } from './address.ts';

export interface IpRange {
  readonly family: Family;
  readonly first: bigint;
  readonly last: bigint;
}

export interface Cidr {
  readonly family: Family;
  readonly base: bigint;
  readonly len: number;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

function fail<T>(error: string): ParseResult<T> {
  return { ok: false, error };
}

/** Parses "addr/len". Host bits are cleared, as Go's net.ParseCIDR (and so MetalLB) does. */
export function parseCidr(text: string): ParseResult<Cidr> {
  const t = text.trim();
  const slash = t.indexOf('/');
  if (slash < 0) return fail(`"${text}" is not a CIDR: missing "/prefix-length"`);
  const addr = parseIp(t.slice(0, slash));
  if (!addr) return fail(`"${text}" is not a CIDR: "${t.slice(0, slash)}" is not an IP address`);
  const lenText = t.slice(slash + 1);
  const bits = familyBits(addr.family);
  if (!/^(0|[1-9][0-9]{0,2})$/.test(lenText) || Number(lenText) > bits) {
    return fail(`"${text}" is not a CIDR: prefix length must be 0..${bits}`);
  }
  const len = Number(lenText);
  return { ok: true, value: { family: addr.family, base: addr.value & prefixMask(addr.family, len), len } };
}

export function prefixMask(family: Family, len: number): bigint {
  const bits = BigInt(familyBits(family));
  return maxValue(family) ^ ((1n << (bits - BigInt(len))) - 1n);
}

export function cidrToRange(c: Cidr): IpRange {
  const hostBits = BigInt(familyBits(c.family) - c.len);
  return { family: c.family, first: c.base, last: c.base + (1n << hostBits) - 1n };
}

export function formatCidr(c: Cidr): string {
  return `${formatIp({ family: c.family, value: c.base })}/${c.len}`;
}

/** Parses a pool entry: a CIDR or "start-end" (spaces around the dash allowed). */
export function parseAddressRange(text: string): ParseResult<IpRange> {
  const t = text.trim();
  if (t === '') return fail('empty address range');
  if (t.includes('/')) {
    const c = parseCidr(t);
    return c.ok ? { ok: true, value: cidrToRange(c.value) } : c;
  }
  const dash = t.indexOf('-');
  if (dash < 0) {
    return fail(`"${text}" is neither a CIDR (addr/len) nor a range (start-end)`);
  }
  const startText = t.slice(0, dash).trim();
  const endText = t.slice(dash + 1).trim();
  const start = parseIp(startText);
  const end = parseIp(endText);
  if (!start) return fail(`"${text}": range start "${startText}" is not an IP address`);
  if (!end) return fail(`"${text}": range end "${endText}" is not an IP address`);
  if (start.family !== end.family) return fail(`"${text}": range mixes IPv4 and IPv6`);
  if (start.value > end.value) return fail(`"${text}": range start is after its end`);
  return { ok: true, value: { family: start.family, first: start.value, last: end.value } };
}

export function rangeSize(r: IpRange): bigint {
  return r.last - r.first + 1n;
}

export function rangeContains(r: IpRange, a: IpAddress): boolean {
  return r.family === a.family && a.value >= r.first && a.value <= r.last;
}

export function rangesOverlap(a: IpRange, b: IpRange): boolean {
  return a.family === b.family && a.first <= b.last && b.first <= a.last;
}

/** The shortest list of CIDRs that covers exactly the range. */
export function rangeToCidrs(r: IpRange): Cidr[] {
  const bits = familyBits(r.family);
  const out: Cidr[] = [];
  let cur = r.first;
  while (cur <= r.last) {
    // Largest block aligned at cur that does not pass r.last.
    let hostBits = 0;
    while (hostBits < bits) {
      const size = 1n << BigInt(hostBits + 1);
      if ((cur & (size - 1n)) !== 0n || cur + size - 1n > r.last) break;
      hostBits++;
    }
    out.push({ family: r.family, base: cur, len: bits - hostBits });
    cur += 1n << BigInt(hostBits);
  }
  return out;
}

/** The shortest prefix length among the CIDRs that exactly cover the range (MetalLB's "lowest mask"). */
export function shortestCidrLen(r: IpRange): number {
  return Math.min(...rangeToCidrs(r).map((c) => c.len));
}

/** True when every address of `inner` is in `outer`. */
export function rangeContainsRange(outer: IpRange, inner: IpRange): boolean {
  return outer.family === inner.family && inner.first >= outer.first && inner.last <= outer.last;
}

export function formatRange(r: IpRange): string {
  return `${formatIp({ family: r.family, value: r.first })}-${formatIp({ family: r.family, value: r.last })}`;
}

// Ranges and CIDRs: pool addresses are written either way; both become [first, last].
import { type Family, type IpAddress, compareIp, familyBits, formatIp, parseIp } from './address.ts';
import { type Cidr, type ParseResult, parseFailure, parseCidr } from './cidr.ts';

export interface IpRange {
  readonly family: Family;
  readonly first: bigint;
  readonly last: bigint;
}

export function cidrToRange(c: Cidr): IpRange {
  const hostBits = BigInt(familyBits(c.family) - c.len);
  return { family: c.family, first: c.base, last: c.base + (1n << hostBits) - 1n };
}

/** Parses a pool entry: a CIDR or "start-end" (spaces around the dash allowed). */
export function parseAddressRange(text: string): ParseResult<IpRange> {
  const t = text.trim();
  if (t === '') return parseFailure('empty address range');
  if (t.includes('/')) {
    const c = parseCidr(t);
    return c.ok ? { ok: true, value: cidrToRange(c.value) } : c;
  }
  const dash = t.indexOf('-');
  if (dash < 0) {
    return parseFailure(`"${text}" is neither a CIDR (addr/len) nor a range (start-end)`);
  }
  const startText = t.slice(0, dash).trim();
  const endText = t.slice(dash + 1).trim();
  const start = parseIp(startText);
  const end = parseIp(endText);
  if (!start) return parseFailure(`"${text}": range start "${startText}" is not an IP address`);
  if (!end) return parseFailure(`"${text}": range end "${endText}" is not an IP address`);
  if (start.family !== end.family) return parseFailure(`"${text}": range mixes IPv4 and IPv6`);
  if (start.value > end.value) return parseFailure(`"${text}": range start is after its end`);
  return { ok: true, value: { family: start.family, first: start.value, last: end.value } };
}

/** IPv4 before IPv6, then by first address, then by last. */
export function compareRange(a: IpRange, b: IpRange): number {
  return compareIp({ family: a.family, value: a.first }, { family: b.family, value: b.first }) ||
    (a.last < b.last ? -1 : a.last > b.last ? 1 : 0);
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

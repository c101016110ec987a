// TypeScript twins of the CEL functions the rules use (duration(), isIP(), isCIDR()),
// with the apiserver's semantics: Go duration syntax, no zones, no IPv4-mapped IPv6.
import { BlockList, isIP as nodeIsIP } from 'node:net';

/** Go duration syntax without a sign, as a schema pattern: `90s`, `1m30s`, `500ms`, `0`. */
export const DURATION_PATTERN = '^(0|([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+)$';

const UNIT_NS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

const DURATION_RE = new RegExp(DURATION_PATTERN, 'u');
const DURATION_TERM_RE = /([0-9]+)(?:\.([0-9]+))?(ns|us|µs|ms|s|m|h)/gu;

/** Parses a duration to whole nanoseconds as Go does (fractions truncated); undefined when malformed. */
export function durationNs(text: string): bigint | undefined {
  if (!DURATION_RE.test(text)) return undefined;
  if (text === '0') return 0n;
  let total = 0n;
  for (const [, whole, fraction, unit] of text.matchAll(DURATION_TERM_RE)) {
    const scale = UNIT_NS[unit ?? ''] ?? 0n;
    total += BigInt(whole ?? '0') * scale;
    if (fraction !== undefined) total += (BigInt(fraction) * scale) / 10n ** BigInt(fraction.length);
  }
  return total;
}

export function seconds(n: number): bigint {
  return BigInt(n) * UNIT_NS.s!;
}

/** CEL isIP(): a plain IPv4 or IPv6 address, no zone, not IPv4-mapped. */
export function isIP(text: string): boolean {
  if (text.includes('%')) return false;
  const family = nodeIsIP(text);
  if (family === 4) return true;
  return family === 6 && !isIPv4Mapped(text);
}

function isIPv4Mapped(ipv6: string): boolean {
  // The URL parser gives the canonical compressed form: mapped addresses read ::ffff:x:y.
  return /^\[::ffff:[0-9a-f]{1,4}:[0-9a-f]{1,4}\]$/u.test(new URL(`http://[${ipv6}]/`).hostname);
}

export function ipFamily(text: string): 4 | 6 | undefined {
  if (!isIP(text)) return undefined;
  return nodeIsIP(text) === 4 ? 4 : 6;
}

/** CEL isCIDR(): `address/length`, length within the family's bits, no leading zeros. */
export function isCIDR(text: string): boolean {
  const slash = text.indexOf('/');
  if (slash < 0) return false;
  const family = ipFamily(text.slice(0, slash));
  const bits = text.slice(slash + 1);
  if (family === undefined || !/^(0|[1-9][0-9]{0,2})$/u.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

/** An IPAddressPool range: a CIDR, or `start-end` of one family (spaces around parts allowed). */
export function isAddressRange(text: string): boolean {
  if (isCIDR(text.trim())) return true;
  const parts = text.split('-');
  if (parts.length !== 2) return false;
  const [start, end] = parts.map((p) => ipFamily(p.trim()));
  return start !== undefined && start === end;
}

/** A valid pool range as written: a CIDR, or start-end of one family (trimmed). */
export type AddressRangeBounds =
  | { readonly family: 4 | 6; readonly cidr: string; readonly prefix: number }
  | { readonly family: 4 | 6; readonly start: string; readonly end: string };

/** The bounds of an IPAddressPool range; 'reversed' when the start is after the end; undefined when malformed. */
export function addressRangeBounds(text: string): AddressRangeBounds | 'reversed' | undefined {
  if (!isAddressRange(text)) return undefined;
  const trimmed = text.trim();
  if (isCIDR(trimmed)) {
    const [cidr = '', prefix = ''] = trimmed.split('/');
    return { family: ipFamily(cidr) ?? 4, cidr, prefix: Number(prefix) };
  }
  const [start = '', end = ''] = text.split('-').map((p) => p.trim());
  const bounds = { family: ipFamily(start) ?? 4, start, end };
  try {
    blockOf(bounds);
  } catch {
    return 'reversed';
  }
  return bounds;
}

const familyName = (family: 4 | 6): 'ipv4' | 'ipv6' => (family === 4 ? 'ipv4' : 'ipv6');

// Node's own address arithmetic: a BlockList holding the range answers "is this address inside?".
function blockOf(r: AddressRangeBounds): BlockList {
  const block = new BlockList();
  if ('cidr' in r) block.addSubnet(r.cidr, r.prefix, familyName(r.family));
  else block.addRange(r.start, r.end, familyName(r.family));
  return block;
}

/** Addresses written in the range: enough to decide overlap with `blockOf` (a CIDR's address lies inside it). */
function written(r: AddressRangeBounds): string[] {
  return 'cidr' in r ? [r.cidr] : [r.start, r.end];
}

/** Whether two ranges share an address: one holds an address written in the other. */
export function rangesOverlap(a: AddressRangeBounds, b: AddressRangeBounds): boolean {
  if (a.family !== b.family) return false;
  const type = familyName(a.family);
  const inA = blockOf(a);
  const inB = blockOf(b);
  return written(b).some((ip) => inA.check(ip, type)) || written(a).some((ip) => inB.check(ip, type));
}

/** The family of the first address of a range, as the avoidBuggyIPs CEL rule reads it. */
export function firstAddressFamily(text: string): 4 | 6 | undefined {
  const trimmed = text.trim();
  if (isCIDR(trimmed)) return ipFamily(trimmed.slice(0, trimmed.indexOf('/')));
  const parts = text.split('-');
  return parts.length === 2 ? ipFamily((parts[0] ?? '').trim()) : undefined;
}

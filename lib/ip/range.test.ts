import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { type IpRange, cidrToRange, formatRange, parseAddressRange, rangeContains,
  rangeContainsRange, rangeSize, rangeToCidrs, rangesOverlap, shortestCidrLen } from './range.ts';
import { formatCidr, parseCidr } from './cidr.ts';
import { maxValue, parseIp } from './address.ts';
import type { Family } from './address.ts';

function rangeOf(family: Family, lo: bigint, hi: bigint): IpRange {
  return lo <= hi ? { family, first: lo, last: hi } : { family, first: hi, last: lo };
}
const anyRange = (family: Family) =>
  fc.tuple(fc.bigInt({ min: 0n, max: maxValue(family) }), fc.bigInt({ min: 0n, max: maxValue(family) }))
    .map(([a, b]) => rangeOf(family, a, b));
// Small ranges in a small window, so brute force can enumerate them and they often touch.
const smallRange = fc.tuple(fc.bigInt({ min: 0n, max: 40n }), fc.bigInt({ min: 0n, max: 40n }))
  .map(([a, b]) => rangeOf(4, a, b));

function assertExactCover(r: IpRange): void {
  const cidrs = rangeToCidrs(r);
  let next = r.first;
  for (const c of cidrs) {
    const cr = cidrToRange(c);
    assert.equal(cr.first, next, 'CIDRs are contiguous and ordered');
    assert.equal(c.base & ((1n << BigInt((c.family === 4 ? 32 : 128) - c.len)) - 1n), 0n, 'aligned');
    next = cr.last + 1n;
  }
  assert.equal(next, r.last + 1n, 'CIDRs end at the range end');
  assert.ok(cidrs.length <= 2 * (r.family === 4 ? 32 : 128));
}

test('range → CIDRs → range round-trips (v4 and v6)', () => {
  fc.assert(fc.property(fc.oneof(anyRange(4), anyRange(6)), assertExactCover));
});

test('range → CIDRs is minimal: neighbouring CIDRs never merge into one', () => {
  fc.assert(fc.property(fc.oneof(anyRange(4), smallRange), (r) => {
    const cidrs = rangeToCidrs(r);
    for (let i = 1; i < cidrs.length; i++) {
      const a = cidrs[i - 1]!;
      const b = cidrs[i]!;
      const mergeable = a.len === b.len && a.len > 0 && (a.base & (1n << BigInt(32 - a.len))) === 0n;
      assert.ok(!mergeable, `${formatCidr(a)} and ${formatCidr(b)} should be one CIDR`);
    }
  }));
});

test('CIDR text → range → CIDR text round-trips', () => {
  const cidr = fc.oneof(
    fc.tuple(fc.bigInt({ min: 0n, max: maxValue(4) }), fc.integer({ min: 0, max: 32 })).map(([v, len]) => ({ family: 4 as const, v, len })),
    fc.tuple(fc.bigInt({ min: 0n, max: maxValue(6) }), fc.integer({ min: 0, max: 128 })).map(([v, len]) => ({ family: 6 as const, v, len })),
  );
  fc.assert(fc.property(cidr, ({ family, v, len }) => {
    const bits = family === 4 ? 32 : 128;
    const base = (v >> BigInt(bits - len)) << BigInt(bits - len);
    const c = { family, base, len };
    const parsed = parseCidr(formatCidr(c));
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.value, c);
    assert.deepEqual(rangeToCidrs(cidrToRange(c)), [c]);
  }));
});

test('contains and overlap agree with brute force on small ranges', () => {
  fc.assert(fc.property(smallRange, smallRange, fc.bigInt({ min: 0n, max: 40n }), (a, b, x) => {
    const members = (r: IpRange) => { const s = new Set<bigint>(); for (let i = r.first; i <= r.last; i++) s.add(i); return s; };
    const ma = members(a);
    const mb = members(b);
    assert.equal(rangeContains(a, { family: 4, value: x }), ma.has(x));
    assert.equal(rangesOverlap(a, b), [...ma].some((i) => mb.has(i)));
    assert.equal(rangeContainsRange(a, b), [...mb].every((i) => ma.has(i)));
    assert.equal(rangeSize(a), BigInt(ma.size));
    const fromCidrs = new Set<bigint>();
    for (const c of rangeToCidrs(a)) { const cr = cidrToRange(c); for (let i = cr.first; i <= cr.last; i++) fromCidrs.add(i); }
    assert.deepEqual(fromCidrs, ma);
  }));
});

test('different families never contain or overlap each other', () => {
  const r4: IpRange = { family: 4, first: 0n, last: 10n };
  const r6: IpRange = { family: 6, first: 0n, last: 10n };
  assert.equal(rangesOverlap(r4, r6), false);
  assert.equal(rangeContains(r6, { family: 4, value: 1n }), false);
});

test('IPv6 /64 (2^64 addresses) is handled without enumeration', () => {
  const p = parseAddressRange('2001:db8:1:2::/64');
  assert.ok(p.ok);
  const r = p.value;
  assert.equal(rangeSize(r), 1n << 64n);
  assert.ok(rangeContains(r, parseIp('2001:db8:1:2:ffff:ffff:ffff:ffff')!));
  assert.ok(!rangeContains(r, parseIp('2001:db8:1:3::')!));
  assert.deepEqual(rangeToCidrs(r).map(formatCidr), ['2001:db8:1:2::/64']);
  assert.equal(shortestCidrLen(r), 64);
});

test('odd huge IPv6 ranges split into few CIDRs quickly', () => {
  const p = parseAddressRange('2001:db8::1 - 2001:db8:0:ffff:ffff:ffff:ffff:fffe');
  assert.ok(p.ok);
  const r = p.value;
  assert.equal(rangeSize(r), (1n << 80n) - 2n);
  const cidrs = rangeToCidrs(r);
  assert.ok(cidrs.length <= 2 * 128);
  assert.equal(cidrs.length, 2 * 80 - 2);
  assertExactCover(r);
  assert.equal(shortestCidrLen(r), 50); // 2^78-address blocks either side of the midpoint
  const all = rangeToCidrs({ family: 6, first: 0n, last: maxValue(6) });
  assert.deepEqual(all.map(formatCidr), ['::/0']);
});

test('parseAddressRange: valid forms', () => {
  const cases: Array<[string, string]> = [
    ['198.51.100.0/24', '198.51.100.0-198.51.100.255'],
    ['198.51.100.7/24', '198.51.100.0-198.51.100.255'], // host bits cleared, as Go
    [' 198.51.100.10 - 198.51.100.20 ', '198.51.100.10-198.51.100.20'],
    ['198.51.100.5-198.51.100.5', '198.51.100.5-198.51.100.5'],
    ['203.0.113.9/32', '203.0.113.9-203.0.113.9'],
    ['2001:db8::/126', '2001:db8::-2001:db8::3'],
    ['2001:db8::1-2001:db8::ff', '2001:db8::1-2001:db8::ff'],
  ];
  for (const [text, want] of cases) {
    const p = parseAddressRange(text);
    assert.ok(p.ok, text);
    assert.equal(formatRange(p.value), want);
  }
});

test('parseAddressRange: errors name the problem', () => {
  const cases: Array<[string, RegExp]> = [
    ['', /empty/],
    ['198.51.100.1', /neither a CIDR/],
    ['198.51.100.0/33', /prefix length must be 0\.\.32/],
    ['198.51.100.0/024', /prefix length/],
    ['2001:db8::/129', /prefix length must be 0\.\.128/],
    ['198.51.100.300/24', /not an IP address/],
    ['198.51.100.20-198.51.100.10', /start is after its end/],
    ['198.51.100.1-2001:db8::1', /mixes IPv4 and IPv6/],
    ['x-198.51.100.1', /start "x"/],
    ['198.51.100.1-', /end ""/],
  ];
  for (const [text, re] of cases) {
    const p = parseAddressRange(text);
    assert.ok(!p.ok, text);
    assert.match(p.error, re, text);
  }
});

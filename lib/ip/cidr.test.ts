import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { maxValue, mustParseIp } from './address.ts';
import { type Cidr, cidrKey, cidrOf, compareCidr, formatCidr, mustParseCidr, parseCidr } from './cidr.ts';
import { type IpRange, compareRange } from './range.ts';

const cidr = fc.oneof(
  fc.tuple(fc.bigInt({ min: 0n, max: maxValue(4) }), fc.integer({ min: 0, max: 32 })).map(([value, len]) => cidrOf({ family: 4, value }, len)),
  fc.tuple(fc.bigInt({ min: 0n, max: maxValue(6) }), fc.integer({ min: 0, max: 128 })).map(([value, len]) => cidrOf({ family: 6, value }, len)),
);

test('cidrOf clears host bits; without a length it is the host prefix', () => {
  assert.equal(formatCidr(cidrOf(mustParseIp('198.51.100.77'), 24)), '198.51.100.0/24');
  assert.equal(formatCidr(cidrOf(mustParseIp('2001:db8::77'))), '2001:db8::77/128');
  assert.equal(formatCidr(cidrOf(mustParseIp('198.51.100.77'))), '198.51.100.77/32');
  assert.equal(formatCidr(cidrOf(mustParseIp('198.51.100.77'), 0)), '0.0.0.0/0');
});

test('compareCidr is a total order consistent with cidrKey equality', () => {
  fc.assert(fc.property(cidr, cidr, (a, b) => {
    const c = compareCidr(a, b);
    assert.ok(Math.sign(c) === -Math.sign(compareCidr(b, a)), 'antisymmetric'); // === : 0 and -0 are one answer
    assert.equal(c === 0, cidrKey(a) === cidrKey(b));
    assert.equal(c === 0, formatCidr(a) === formatCidr(b));
  }));
  const sorted = ['2001:db8::/32', '198.51.100.0/25', '198.51.100.0/24', '10.0.0.0/8'].map(mustParseCidr).sort(compareCidr);
  assert.deepEqual(sorted.map(formatCidr), ['10.0.0.0/8', '198.51.100.0/24', '198.51.100.0/25', '2001:db8::/32']);
});

test('compareRange orders by family, first, then last', () => {
  const r = (family: 4 | 6, first: bigint, last: bigint): IpRange => ({ family, first, last });
  const sorted = [r(6, 0n, 1n), r(4, 5n, 9n), r(4, 5n, 6n), r(4, 1n, 100n)].sort(compareRange);
  assert.deepEqual(sorted, [r(4, 1n, 100n), r(4, 5n, 6n), r(4, 5n, 9n), r(6, 0n, 1n)]);
});

// speaker/bgp/prefix.ts had its own parsePrefix (split on '/', Number() on the length, node:net
// for the address). These inputs it read differently; parseCidr is the one parser now.
test('prefix text the old BGP parser took loosely is an error now', () => {
  const cases: Array<[string, string]> = [
    ['198.51.100.0/', '0.0.0.0/0'], // Number('') === 0: an empty length became a default route
    ['198.51.100.0/024', '198.51.100.0/24'],
    ['198.51.100.0/ 24', '198.51.100.0/24'],
    ['198.51.100.0/0x18', '198.51.100.0/24'],
    ['198.51.100.0/2.4e1', '198.51.100.0/24'],
    ['198.51.100.0/24/8', '198.51.100.0/24'], // the third part was ignored
    ['198.51.100.7', '198.51.100.7/32'], // no length: a host route
    ['fe80::1%eth0/64', 'fe80::/64'], // a zone was dropped
  ];
  for (const [text] of cases) assert.ok(!parseCidr(text).ok, text);
  assert.throws(() => mustParseCidr('198.51.100.0/'), /prefix length must be 0\.\.32/);
  // Both read these alike (outer whitespace: lib/ip trims, as it always did for pool entries).
  const same: Array<[string, Cidr]> = [
    ['198.51.100.7/24', { family: 4, base: 0xc6336400n, len: 24 }],
    ['::ffff:1.2.3.4/120', { family: 6, base: 0xffff01020300n, len: 120 }],
    ['::/0', { family: 6, base: 0n, len: 0 }],
  ];
  for (const [text, want] of same) assert.deepEqual(mustParseCidr(text), want, text);
});

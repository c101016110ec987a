import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { type IpAddress, formatIp, ipEquals, maxValue, parseIp } from './address.ts';

const v4 = fc.bigInt({ min: 0n, max: maxValue(4) }).map((value): IpAddress => ({ family: 4, value }));
// Bias IPv6 towards zero runs so the "::" compression paths are exercised.
const hextet = fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 0xffff }));
const v6 = fc
  .array(hextet, { minLength: 8, maxLength: 8 })
  .map((gs): IpAddress => ({ family: 6, value: gs.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n) }));

test('IPv4 parse/format round-trips', () => {
  fc.assert(fc.property(v4, (a) => assert.deepEqual(parseIp(formatIp(a)), a)));
});

test('IPv6 parse/format round-trips', () => {
  fc.assert(fc.property(v6, (a) => assert.deepEqual(parseIp(formatIp(a)), a)));
});

test('formatting is canonical: format(parse(format(a))) is stable and lower case', () => {
  fc.assert(
    fc.property(v6, (a) => {
      const text = formatIp(a);
      assert.equal(text, text.toLowerCase());
      assert.equal(formatIp(parseIp(text.toUpperCase())!), text);
      assert.ok(!/(^|:)0[0-9a-f]/.test(text), `leading zero in ${text}`);
      assert.ok(text.split('::').length <= 2);
    }),
  );
});

test('IPv6 output follows RFC 5952', () => {
  const cases: Array<[string, string]> = [
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // first of two equal runs
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // a single zero group is not "::"
    ['2001:db8:0:0:0:1:0:0', '2001:db8::1:0:0'], // the longest run wins
    ['0:0:0:0:0:0:0:0', '::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['2001:DB8::ABCD', '2001:db8::abcd'],
    ['1:0:0:0:0:0:0:0', '1::'],
    ['::ffff:198.51.100.7', '::ffff:c633:6407'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2:3:4:5:6'],
  ];
  for (const [input, want] of cases) {
    const a = parseIp(input);
    assert.ok(a, input);
    assert.equal(formatIp(a), want, input);
  }
});

test('parseIp accepts valid and rejects invalid text', () => {
  const good: Array<[string, IpAddress]> = [
    ['198.51.100.1', { family: 4, value: 0xc6336401n }],
    ['0.0.0.0', { family: 4, value: 0n }],
    ['255.255.255.255', { family: 4, value: 0xffffffffn }],
    ['::', { family: 6, value: 0n }],
    ['2001:db8::', { family: 6, value: 0x20010db8n << 96n }],
  ];
  for (const [text, want] of good) assert.deepEqual(parseIp(text), want, text);
  const bad = [
    '', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1.2.3.-4', 'a.b.c.d', '1..2.3',
    ':::', '1::2::3', '12345::', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', ':1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7::8', 'g::1', 'fe80::1%eth0', '::1.2.3', '::256.1.1.1', '2001:db8::/32',
  ];
  for (const text of bad) assert.equal(parseIp(text), undefined, text);
});

test('ipEquals compares family and value', () => {
  assert.ok(ipEquals(parseIp('::1')!, parseIp('0::0:1')!));
  assert.ok(!ipEquals({ family: 4, value: 1n }, { family: 6, value: 1n }));
});

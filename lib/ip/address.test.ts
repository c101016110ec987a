import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  type IpAddress, canonicalIp, compareIp, formatIp, ipEquals, ipFromBytes, ipKey, ipToBytes, isIpv4Mapped, isIpv6LinkLocal,
  maxValue, mustParseIp, parseIp, parseSocketAddress, unmapIpv4,
} from './address.ts';

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

test('bytes round-trip in network order', () => {
  fc.assert(fc.property(fc.oneof(v4, v6), (a) => {
    const bytes = ipToBytes(a);
    assert.equal(bytes.length, a.family === 4 ? 4 : 16);
    assert.deepEqual(ipFromBytes(bytes, a.family), a);
    const padded = Uint8Array.of(9, 9, ...bytes);
    assert.deepEqual(ipFromBytes(padded, a.family, 2), a);
  }));
  assert.deepEqual([...ipToBytes(mustParseIp('198.51.100.7'))], [198, 51, 100, 7]);
  assert.deepEqual(ipFromBytes(Uint8Array.of(0x20, 0x01, 0x0d, 0xb8), 6), mustParseIp('2001:db8::'), 'missing bytes read as 0');
});

test('compareIp orders IPv4 before IPv6, then by value; ipKey tells addresses apart', () => {
  fc.assert(fc.property(fc.oneof(v4, v6), fc.oneof(v4, v6), (a, b) => {
    const c = compareIp(a, b);
    assert.ok(Math.sign(c) === -Math.sign(compareIp(b, a)), 'antisymmetric'); // === : 0 and -0 are one answer
    assert.equal(c === 0, ipEquals(a, b));
    assert.equal(ipKey(a) === ipKey(b), ipEquals(a, b));
    if (a.family !== b.family) assert.equal(Math.sign(c), a.family === 4 ? -1 : 1);
  }));
  const sorted = ['2001:db8::1', '198.51.100.10', '::', '198.51.100.9'].map(mustParseIp).sort(compareIp).map(formatIp);
  assert.deepEqual(sorted, ['198.51.100.9', '198.51.100.10', '::', '2001:db8::1']);
});

test('canonicalIp and mustParseIp', () => {
  assert.equal(canonicalIp('2001:DB8:0::1'), '2001:db8::1');
  assert.equal(canonicalIp(' 198.51.100.1 '), '198.51.100.1');
  assert.equal(canonicalIp('198.51.100.256'), undefined);
  assert.deepEqual(mustParseIp('::1'), { family: 6, value: 1n });
  assert.throws(() => mustParseIp('fe80::1%eth0'), /not an IP address: "fe80::1%eth0"/);
});

test('IPv4-mapped addresses and link-local', () => {
  const mapped = mustParseIp('::ffff:198.51.100.7');
  assert.ok(isIpv4Mapped(mapped));
  assert.ok(isIpv4Mapped(mustParseIp('::ffff:c633:6407')), 'the hex form is the same address');
  assert.deepEqual(unmapIpv4(mapped), mustParseIp('198.51.100.7'));
  for (const text of ['::ffff:0:0:1', '::198.51.100.7', '198.51.100.7', '2001:db8::ffff:c633:6407']) {
    const a = mustParseIp(text);
    assert.ok(!isIpv4Mapped(a), text);
    assert.deepEqual(unmapIpv4(a), a, text);
  }
  for (const text of ['fe80::1', 'febf:ffff::1', 'FE80::2aa:ff:fe28:9c5a']) assert.ok(isIpv6LinkLocal(parseIp(text)), text);
  for (const text of ['fec0::1', 'fe7f::1', '2001:db8::1', '169.254.1.1']) assert.ok(!isIpv6LinkLocal(parseIp(text)), text);
  assert.ok(!isIpv6LinkLocal(undefined));
});

test('parseSocketAddress: zones dropped, IPv4-mapped unmapped; parseIp takes neither form loosely', () => {
  const cases: Array<[string, string | undefined]> = [
    ['::ffff:198.51.100.1', '198.51.100.1'],
    ['::FFFF:c633:6401', '198.51.100.1'],
    ['fe80::1%eth0', 'fe80::1'],
    ['fe80::1%2', 'fe80::1'],
    ['2001:DB8::1', '2001:db8::1'],
    ['198.51.100.1', '198.51.100.1'],
    ['198.51.100.1%eth0', '198.51.100.1'],
    ['', undefined],
    ['%eth0', undefined],
    ['not-an-ip', undefined],
  ];
  for (const [text, want] of cases) {
    const a = parseSocketAddress(text);
    assert.equal(a && formatIp(a), want, text);
  }
  // speaker/bgp's old parser (node:net isIPv6) took any zone, even '::%eth0.x'; lib/ip takes none.
  for (const text of ['fe80::1%eth0', '::%eth0', '01::%eth0']) assert.equal(parseIp(text), undefined, text);
});

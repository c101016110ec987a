import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { canonicalIpv6, formatIpv4, formatIpv6, formatMac, parseIpv4, parseIpv6, parseMac } from './addresses.ts';

test('MAC text round-trips in lower case and rejects junk', () => {
  assert.equal(formatMac(parseMac('02:AB:cd:00:53:01') ?? new Uint8Array()), '02:ab:cd:00:53:01');
  assert.equal(formatMac(parseMac('02-00-5e-00-53-ff') ?? new Uint8Array()), '02:00:5e:00:53:ff');
  for (const bad of ['', '02:00:5e:00:53', '02:00:5e:00:53:01:02', '0g:00:00:00:00:00', '123:0:0:0:0:0']) {
    assert.equal(parseMac(bad), undefined, bad);
  }
});

test('IPv4 parses dotted quads only', () => {
  assert.deepEqual(parseIpv4('198.51.100.7'), Uint8Array.of(198, 51, 100, 7));
  assert.equal(formatIpv4(Uint8Array.of(203, 0, 113, 255)), '203.0.113.255');
  for (const bad of ['198.51.100', '198.51.100.256', '1.2.3.4.5', 'x', '2001:db8::1']) assert.equal(parseIpv4(bad), undefined);
});

test('IPv6 formatting follows RFC 5952', () => {
  const cases: [string, string][] = [
    ['2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['::', '::'],
    ['::1', '::1'],
    ['fe80::', 'fe80::'],
    ['ff02::1:ff00:100', 'ff02::1:ff00:100'],
    ['::ffff:198.51.100.1', '::ffff:198.51.100.1'],
    ['2001:db8::198.51.100.1', '2001:db8::c633:6401'],
  ];
  for (const [input, want] of cases) assert.equal(canonicalIpv6(input), want, input);
  for (const bad of ['', '2001:db8::1::1', 'fe80::1%eth0', '198.51.100.1', '1:2:3:4:5:6:7:8:9']) {
    assert.equal(parseIpv6(bad), undefined, bad);
  }
});

test('IPv6 bytes round-trip through text', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
      assert.deepEqual(parseIpv6(formatIpv6(bytes)), bytes);
    }),
  );
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { type Cidr, type Family, cidrOf, maxValue, mustParseCidr } from '../../lib/ip/index.ts';
import { malformed } from './cursor.ts';
import { ErrorCode, UpdateSubcode } from './errors.ts';
import { decodePrefixes, encodedPrefixSize, encodePrefixes } from './nlri.ts';

const bad = malformed(ErrorCode.Update, UpdateSubcode.InvalidNetworkField);
const prefixes = (family: Family) =>
  fc.array(
    fc.tuple(fc.bigInt({ min: 0n, max: maxValue(family) }), fc.integer({ min: 0, max: family === 4 ? 32 : 128 }))
      .map(([value, len]): Cidr => cidrOf({ family, value }, len)),
    { maxLength: 20 },
  );

test('NLRI encode → decode round-trips lib/ip prefixes in the fewest octets', () => {
  for (const family of [4, 6] as const) {
    fc.assert(fc.property(prefixes(family), (ps) => {
      const wire = encodePrefixes(ps);
      assert.equal(wire.length, ps.reduce((n, p) => n + encodedPrefixSize(p), 0));
      assert.deepEqual(decodePrefixes(wire, family, bad), ps);
    }));
  }
});

test('NLRI bytes as RFC 4271 writes them; stray host bits are cleared on decode', () => {
  assert.deepEqual([...encodePrefixes([mustParseCidr('203.0.113.0/25'), mustParseCidr('0.0.0.0/0')])], [25, 203, 0, 113, 0, 0]);
  assert.deepEqual([...encodePrefixes([mustParseCidr('2001:db8:1::/48')])], [48, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01]);
  assert.deepEqual(decodePrefixes(Buffer.from([23, 203, 0, 113]), 4, bad), [mustParseCidr('203.0.112.0/23')]);
  assert.throws(() => decodePrefixes(Buffer.from([33, 1, 2, 3, 4, 5]), 4, bad), /prefix length 33 > 32/);
  assert.throws(() => decodePrefixes(Buffer.from([24, 203, 0]), 4, bad));
});

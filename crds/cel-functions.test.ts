import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { durationNs, isAddressRange, isCIDR, isIP } from './source/cel-functions.ts';

test('durationNs reads Go durations exactly', () => {
  assert.equal(durationNs('0'), 0n);
  assert.equal(durationNs('90s'), 90_000_000_000n);
  assert.equal(durationNs('1m30s'), 90_000_000_000n);
  assert.equal(durationNs('1.5s'), 1_500_000_000n);
  assert.equal(durationNs('500ms'), 500_000_000n);
  assert.equal(durationNs('1h0.5m'), 3_630_000_000_000n);
  assert.equal(durationNs('1h2m3s4ms'), 3_723_004_000_000n);
  assert.equal(durationNs('1500us'), 1_500_000n);
  assert.equal(durationNs('1µs'), 1_000n);
  assert.equal(durationNs('2000000ns'), 2_000_000n);
  // Go accepts a sign and '.5s'; the API's pattern does not, so the config model never sees them.
  for (const bad of ['', '90', '-1s', '+3s', '.5s', '1d', 's', '.s', '1.s', ' 1s', '1 s', '1m30', 'ten seconds', '1.2.3s', '-']) {
    assert.equal(durationNs(bad), undefined, bad);
  }
  fc.assert(
    fc.property(fc.nat(100_000), fc.nat(59), fc.nat(999), (m, s, ms) => {
      assert.equal(durationNs(`${m}m${s}s${ms}ms`), ((BigInt(m) * 60n + BigInt(s)) * 1000n + BigInt(ms)) * 1_000_000n);
    }),
  );
});

test('isIP and isCIDR follow the apiserver CEL library', () => {
  for (const ok of ['198.51.100.1', '2001:db8::1', '::']) assert.ok(isIP(ok), ok);
  for (const bad of ['198.51.100.01', 'fe80::1%eth0', '::ffff:198.51.100.1', '::ffff:c633:6401', 'x', '']) {
    assert.ok(!isIP(bad), bad);
  }
  for (const ok of ['198.51.100.0/24', '198.51.100.7/32', '2001:db8::/32', '0.0.0.0/0']) assert.ok(isCIDR(ok), ok);
  for (const bad of ['198.51.100.0/33', '2001:db8::/129', '198.51.100.0/024', '198.51.100.0', '198.51.100.0/']) {
    assert.ok(!isCIDR(bad), bad);
  }
  fc.assert(
    fc.property(fc.ipV4(), fc.integer({ min: 0, max: 32 }), (ip, bits) => {
      assert.ok(isCIDR(`${ip}/${bits}`));
    }),
  );
});

test('isAddressRange takes CIDRs and same-family start-end ranges', () => {
  for (const ok of ['198.51.100.0/24', ' 198.51.100.0/24 ', '198.51.100.10-198.51.100.20', '2001:db8::1 - 2001:db8::ff']) {
    assert.ok(isAddressRange(ok), ok);
  }
  for (const bad of ['198.51.100.10', '198.51.100.1-2001:db8::1', '198.51.100.1-198.51.100.2-198.51.100.3', 'a-b']) {
    assert.ok(!isAddressRange(bad), bad);
  }
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatBgpId, parseBgpId } from './open.ts';

test('BGP Identifier text is an IPv4 address, parsed by lib/ip', () => {
  assert.equal(parseBgpId('203.0.113.2'), 0xcb007102);
  assert.equal(formatBgpId(0xcb007102), '203.0.113.2');
  assert.equal(formatBgpId(parseBgpId('255.255.255.255')), '255.255.255.255');
  assert.equal(formatBgpId(0), '0.0.0.0');
  // The old hand parser (split('.') + Number) took the first three.
  for (const bad of ['1..2.3', '0x1.2.3.4', '01.2.3.4', '1.2.3', '256.1.1.1', '2001:db8::1', '']) {
    assert.throws(() => parseBgpId(bad), /bad router id/, bad);
  }
});

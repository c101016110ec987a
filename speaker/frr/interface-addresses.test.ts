import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatCidr } from '../../lib/ip/index.ts';
import { parseIpAddrJson } from './interface-addresses.ts';

test('ip -j addr show: every address with its prefix length', () => {
  const r = parseIpAddrJson(JSON.stringify([{ ifname: 'portside0', addr_info: [
    { family: 'inet', local: '203.0.113.1', prefixlen: 32 },
    { family: 'inet6', local: '2001:db8:ff::1', prefixlen: 128 },
    { family: 'inet6', local: 'fe80::1', prefixlen: 64 },
    { family: 'inet', local: 42 },
  ] }]));
  assert.ok(r.ok);
  assert.deepEqual(r.value.map(formatCidr), ['203.0.113.1/32', '2001:db8:ff::1/128', 'fe80::/64']);
  assert.ok(!parseIpAddrJson('Device "x" does not exist.').ok);
  assert.ok(!parseIpAddrJson('{}').ok);
});

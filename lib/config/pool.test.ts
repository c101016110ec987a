import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatRange } from '../ip/index.ts';
import { buildConfig } from './build.ts';
import { type ErrorCase, assertCase, input, pool } from './testing.ts';

const P = 'IPAddressPool';
const cases: ErrorCase[] = [
  { name: 'CIDR and range', input: input({ pools: [pool('a', { addresses: ['198.51.100.0/25', '198.51.100.200 - 198.51.100.210'] })] }) },
  { name: 'unparseable CIDR', input: input({ pools: [pool('a', { addresses: ['198.51.100.0/33'] })] }),
    want: { kind: P, name: 'a', field: 'spec.addresses[0]', message: /must be a CIDR or a start-end range/ } },
  { name: 'unparseable range', input: input({ pools: [pool('a', { addresses: ['198.51.100.1', 'x-y'] })] }),
    want: { kind: P, name: 'a', field: 'spec.addresses[1]', message: /must be a CIDR or a start-end range/ } },
  { name: 'start after end', input: input({ pools: [pool('a', { addresses: ['198.51.100.9-198.51.100.1'] })] }),
    want: { kind: P, name: 'a', field: 'spec.addresses[0]', message: /start is after its end/ } },
  { name: 'no addresses', input: input({ pools: [pool('a')] }), want: { kind: P, name: 'a', field: 'spec.addresses' } },
  { name: 'overlap within a pool', input: input({ pools: [pool('a', { addresses: ['198.51.100.0/24', '198.51.100.7-198.51.100.9'] })] }),
    want: { kind: P, name: 'a', field: 'spec.addresses[1]', message: /overlaps "198.51.100.0\/24"/ } },
  { name: 'adjacent pools do not overlap', input: input({ pools: [pool('a', { addresses: ['198.51.100.0/25'] }), pool('b', { addresses: ['198.51.100.128/25'] })] }) },
  { name: 'overlap across pools', input: input({ pools: [pool('b', { addresses: ['203.0.113.0/24', '2001:db8::/120'] }), pool('a', { addresses: ['2001:db8::ff-2001:db8::1ff'] })] }),
    want: { kind: P, name: 'b', field: 'spec.addresses[1]', message: /pool "a"/ } },
  { name: 'avoidBuggyIPs with dual-stack ranges', input: input({ pools: [pool('a', { addresses: ['198.51.100.0/24', '2001:db8::/64'], avoidBuggyIPs: true })] }) },
  { name: 'avoidBuggyIPs with IPv6-only ranges', input: input({ pools: [pool('a', { addresses: ['2001:db8::/64'], avoidBuggyIPs: true })] }),
    want: { kind: P, name: 'a', field: 'spec.avoidBuggyIPs', message: /every range is IPv6.*remove avoidBuggyIPs/ } },
  { name: 'serviceAllocation valid', input: input({ pools: [pool('a', { addresses: ['198.51.100.0/24'], serviceAllocation: {
    priority: 10, namespaces: ['shop'], namespaceSelectors: [{ matchLabels: { team: 'a' } }], serviceSelectors: [{ matchLabels: { tier: 'web' } }] } })] }) },
  { name: 'serviceAllocation duplicate namespace', input: input({ pools: [pool('a', { addresses: ['198.51.100.0/24'], serviceAllocation: { namespaces: ['x', 'x'] } })] }),
    want: { kind: P, name: 'a', field: 'spec.serviceAllocation.namespaces[1]', message: /duplicate value "x"/ } },
  { name: 'serviceAllocation duplicate selectors', input: input({ pools: [pool('a', { addresses: ['198.51.100.0/24'], serviceAllocation: {
    serviceSelectors: [{ matchLabels: { a: '1' } }, { matchExpressions: [{ key: 'a', operator: 'In', values: ['1'] }] }] } })] }),
    want: { kind: P, name: 'a', field: 'spec.serviceAllocation.serviceSelectors[1]', message: /duplicate selector/ } },
  { name: 'serviceAllocation invalid selector', input: input({ pools: [pool('a', { addresses: ['198.51.100.0/24'], serviceAllocation: {
    namespaceSelectors: [{ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }] } })] }),
    want: { kind: P, name: 'a', field: 'spec.serviceAllocation.namespaceSelectors[0].matchExpressions[0].values', message: /empty for Exists and DoesNotExist/ } },
  { name: 'serviceAllocation negative priority', input: input({ pools: [pool('a', { addresses: ['198.51.100.0/24'], serviceAllocation: { priority: -1 } })] }),
    want: { kind: P, name: 'a', field: 'spec.serviceAllocation.priority' } },
  { name: 'duplicate pool names', input: input({ pools: [pool('a', { addresses: ['198.51.100.0/25'] }), pool('a', { addresses: ['203.0.113.0/25'] })] }),
    want: { kind: P, name: 'a', field: 'metadata.name', message: /unique/ } },
];

test('IPAddressPool rules (table)', () => {
  for (const c of cases) assertCase(c, buildConfig(c.input));
});

test('a valid pool is parsed with defaults', () => {
  const r = buildConfig(input({ pools: [pool('a', { addresses: [' 198.51.100.10-198.51.100.20', '2001:db8::/64'] }, { tier: 'gold' })] }));
  assert.ok(r.ok);
  const a = r.config.pools.get('a')!;
  assert.deepEqual(a.ranges.map(formatRange), ['198.51.100.10-198.51.100.20', '2001:db8::-2001:db8::ffff:ffff:ffff:ffff']);
  assert.equal(a.autoAssign, true);
  assert.equal(a.avoidBuggyIPs, false);
  assert.equal(a.serviceAllocation, undefined);
  assert.deepEqual(a.labels, { tier: 'gold' });
});

test('a namespace that does not exist is a warning, not an error', () => {
  const pools = [pool('a', { addresses: ['198.51.100.0/24'], serviceAllocation: { namespaces: ['shop', 'ghost'] } })];
  const r = buildConfig(input({ pools, namespaces: [{ metadata: { name: 'shop' } }] }));
  assert.ok(r.ok);
  assert.deepEqual(r.warnings.map((w) => [w.kind, w.name, w.field]), [[P, 'a', 'spec.serviceAllocation.namespaces[1]']]);
  assert.match(r.warnings[0]!.message, /"ghost" does not exist/);
  const unchecked = buildConfig(input({ pools }));
  assert.ok(unchecked.ok);
  assert.deepEqual(unchecked.warnings, []);
});

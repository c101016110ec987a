import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildConfig } from './build.ts';
import { type ErrorCase, assertCase, input, l2, pool } from './testing.ts';

const L = 'L2Advertisement';
const pools = [pool('a', { addresses: ['198.51.100.0/25'] }, { env: 'prod' }), pool('b', { addresses: ['198.51.100.128/25'] })];
const cases: ErrorCase[] = [
  { name: 'everything', input: input({ pools, l2Advertisements: [l2('x', {
    ipAddressPools: ['a'], nodeSelectors: [{ matchLabels: { rack: '1' } }], interfaces: ['eth0', 'bond0.100'],
    serviceSelectors: [{ matchLabels: { app: 'web' } }], preferredNodeSelectors: [{ weight: 100, preference: { matchLabels: { rack: '1' } } }] })] }) },
  { name: 'missing pool: a warning, as MetalLB', input: input({ pools, l2Advertisements: [l2('x', { ipAddressPools: ['a', 'c'] })] }), warning: { kind: L, name: 'x', field: 'spec.ipAddressPools[1]', message: /"c" not found/ } },
  { name: 'invalid pool selector', input: input({ pools, l2Advertisements: [l2('x', { ipAddressPoolSelectors: [{ matchExpressions: [{ key: 'env', operator: 'In', values: [] }] }] })] }),
    want: { kind: L, name: 'x', field: 'spec.ipAddressPoolSelectors[0].matchExpressions[0].values' } },
  { name: 'duplicate node selectors', input: input({ pools, l2Advertisements: [l2('x', { nodeSelectors: [{ matchLabels: { a: 'b' } }, { matchLabels: { a: 'b' } }] })] }),
    want: { kind: L, name: 'x', field: 'spec.nodeSelectors[1]', message: /duplicate selector/ } },
  { name: 'duplicate interface', input: input({ pools, l2Advertisements: [l2('x', { interfaces: ['eth0', 'eth0'] })] }), want: { kind: L, name: 'x', field: 'spec.interfaces[1]' } },
  { name: 'bad interface name', input: input({ pools, l2Advertisements: [l2('x', { interfaces: ['a-very-long-interface'] })] }), want: { kind: L, name: 'x', field: 'spec.interfaces[0]', message: /15 characters/ } },
  { name: 'preferred weight 0', input: input({ pools, l2Advertisements: [l2('x', { preferredNodeSelectors: [{ weight: 0, preference: {} }] })] }),
    want: { kind: L, name: 'x', field: 'spec.preferredNodeSelectors[0].weight', message: /1-100/ } },
  { name: 'preferred invalid preference', input: input({ pools, l2Advertisements: [l2('x', { preferredNodeSelectors: [{ weight: 5, preference: { matchExpressions: [{ key: 'a', operator: 'Nope' as 'In' }] } }] })] }),
    want: { kind: L, name: 'x', field: 'spec.preferredNodeSelectors[0].preference.matchExpressions[0].operator' } },
  { name: 'duplicate names', input: input({ pools, l2Advertisements: [l2('x'), l2('x')] }), want: { kind: L, name: 'x', field: 'metadata.name' } },
];

test('L2Advertisement rules (table)', () => {
  for (const c of cases) assertCase(c, buildConfig(c.input));
});

test('an L2 advertisement naming only a missing pool loads, serving no pool', () => {
  const r = buildConfig(input({ pools, l2Advertisements: [l2('x', { ipAddressPools: ['first-pool'] })] }));
  assert.ok(r.ok);
  assert.deepEqual(r.config.l2Advertisements.map((a) => [a.name, a.pools]), [['x', []]]);
  assert.equal(r.warnings.length, 1);
});

test('L2 advertisement resolves pools by name and selector', () => {
  const r = buildConfig(input({ pools, l2Advertisements: [l2('all'), l2('prod', { ipAddressPoolSelectors: [{ matchLabels: { env: 'prod' } }] })] }));
  assert.ok(r.ok);
  assert.deepEqual(r.config.l2Advertisements.map((a) => [a.name, a.pools]), [['all', ['a', 'b']], ['prod', ['a']]]);
});

// Family policies: SingleStack, PreferDualStack (with pick-up), RequireDualStack.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Allocator } from './allocator.ts';
import { failure, okIps, pool, svc } from './fixtures.ts';
import type { AllocatorPool } from './types.ts';

function allocator(pools: AllocatorPool[]): Allocator {
  const a = new Allocator();
  a.setPools(pools);
  return a;
}

const v4only = pool('a-v4', ['198.51.100.0/30']);
const v6only = pool('b-v6', ['2001:db8::/126']);
const dual = pool('c-dual', ['198.51.100.8/30', '2001:db8:1::/126']);

test('family policies (table)', () => {
  const dualFams = { families: [4, 6] as (4 | 6)[] };
  const cases: Array<[string, AllocatorPool[], ReturnType<typeof svc>, string[] | RegExp]> = [
    ['SingleStack IPv4 takes the first family', [v6only, v4only], svc('d/s4'), ['198.51.100.0']],
    ['SingleStack IPv6', [v4only, v6only], svc('d/s6', { families: [6, 4] }), ['2001:db8::']],
    ['RequireDualStack: both from one pool', [v4only, v6only, dual], svc('d/r', { ...dualFams, familyPolicy: 'RequireDualStack' }),
      ['198.51.100.8', '2001:db8:1::']],
    ['RequireDualStack: never split across pools', [v4only, v6only], svc('d/r', { ...dualFams, familyPolicy: 'RequireDualStack' }),
      /no matching pool offers both IPv4 and IPv6 \(a-v4: IPv4 only, b-v6: IPv6 only\)/],
    ['PreferDualStack: both when one pool offers both', [v4only, dual], svc('d/p', { ...dualFams, familyPolicy: 'PreferDualStack' }),
      ['198.51.100.8', '2001:db8:1::']],
    ['PreferDualStack: else the first available family', [v6only, v4only], svc('d/p', { ...dualFams, familyPolicy: 'PreferDualStack' }),
      ['198.51.100.0']],
    ['PreferDualStack: IPv6 first when listed first', [v4only, dual], svc('d/p', { families: [6, 4], familyPolicy: 'PreferDualStack' }),
      ['2001:db8:1::', '198.51.100.8']],
    ['SingleStack IPv6 with only IPv4 pools', [v4only], svc('d/x', { families: [6] }), /pool a-v4 does not offer IPv6 addresses|no matching pool offers IPv6/],
    ['RequireDualStack with one family is invalid', [dual], svc('d/bad', { familyPolicy: 'RequireDualStack' }), /needs both IPv4 and IPv6/],
    ['requested IP of a family the Service lacks', [dual], svc('d/bad', { requested: ['2001:db8:1::1'] }), /is IPv6, but d\/bad is IPv4/],
  ];
  for (const [what, pools, knobs, want] of cases) {
    const r = allocator(pools).assign(knobs);
    if (Array.isArray(want)) assert.deepEqual(okIps(r), want, what);
    else failure(r, /invalid|needs both|lacks/.test(what) ? 'InvalidRequest' : 'FamilyUnavailable', want);
  }
});

test('PreferDualStack picks up the missing family later, from the same pool, keeping its IP', () => {
  const a = allocator([pool('p', ['198.51.100.0/31', '2001:db8::/127'])]);
  const prefer = { families: [4, 6] as (4 | 6)[], familyPolicy: 'PreferDualStack' as const };
  okIps(a.assign(svc('d/v6a', { families: [6] })));
  okIps(a.assign(svc('d/v6b', { families: [6] })));
  const first = a.assign(svc('d/p', prefer));
  assert.deepEqual(okIps(first, 'p'), ['198.51.100.0'], 'IPv6 full: IPv4 only for now');
  a.release('d/v6b');
  const again = a.assign(svc('d/p', prefer));
  assert.deepEqual(okIps(again), ['198.51.100.0', '2001:db8::1']);
  assert.equal(again.ok && again.changed, true);
  const steady = a.assign(svc('d/p', prefer));
  assert.equal(steady.ok && steady.changed, false);
});

test('RequireDualStack with both families full in its pool stays pending with the usage', () => {
  const a = allocator([pool('p', ['198.51.100.0/32', '2001:db8::/128'])]);
  okIps(a.assign(svc('d/v4', {})));
  const r = a.assign(svc('d/r', { families: [4, 6], familyPolicy: 'RequireDualStack' }));
  failure(r, 'PoolExhausted', /^pool p is exhausted \(1 of 1 IPv4 addresses in use\)$/);
  assert.equal(a.poolStats('p')?.assignedIPv6, 0n, 'the free IPv6 address was not taken half-way');
});

test('switching SingleStack IPv4 → dual keeps the IPv4 address; dual → single drops the extra family', () => {
  const a = allocator([dual]);
  const before = okIps(a.assign(svc('d/s')));
  assert.deepEqual(okIps(a.assign(svc('d/s', { families: [4, 6], familyPolicy: 'RequireDualStack' }))), [...before, '2001:db8:1::']);
  assert.deepEqual(okIps(a.assign(svc('d/s'))), before);
  assert.equal(a.poolStats('c-dual')?.assignedIPv6, 0n);
});

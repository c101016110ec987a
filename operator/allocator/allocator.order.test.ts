// Which pool and which address a Service gets: order, priority, limits, avoidBuggyIPs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Allocator } from './allocator.ts';
import { allocation, failure, okIps, pool, svc } from './fixtures.ts';
import type { AllocatorPool } from './types.ts';

const nsLabels: Record<string, Record<string, string>> = { 'team-a': { team: 'a' }, 'team-b': { team: 'b' } };

function allocator(pools: AllocatorPool[]): Allocator {
  const a = new Allocator({ namespaceLabels: (ns) => nsLabels[ns] });
  a.setPools(pools);
  return a;
}

test('pool order: requested → annotation → matching serviceAllocation by priority → autoAssign pools by name', () => {
  const pools = [
    pool('b-open', ['198.51.100.16/30']),
    pool('a-open', ['198.51.100.20/30']),
    pool('manual', ['198.51.100.24/30'], { autoAssign: false }),
    pool('prio-2', ['198.51.100.32/30'], { serviceAllocation: allocation({ priority: 2, namespaces: ['team-a'] }) }),
    pool('prio-1', ['198.51.100.36/30'], { serviceAllocation: allocation({ priority: 1, namespaces: ['team-a'] }) }),
    pool('prio-0', ['198.51.100.40/30'], { serviceAllocation: allocation({ namespaces: ['team-a'] }) }),
    pool('b-tie', ['198.51.100.48/30'], { serviceAllocation: allocation({ priority: 5, namespaces: ['team-b'] }) }),
    pool('a-tie', ['198.51.100.52/30'], { serviceAllocation: allocation({ priority: 5, namespaces: ['team-b'] }) }),
  ];
  const cases: Array<[string, ReturnType<typeof svc>, string, string]> = [
    ['requested IP wins over everything', svc('team-a/req', { requested: ['198.51.100.26'] }), 'manual', '198.51.100.26'],
    ['annotation ignores autoAssign', svc('team-a/ann', { poolName: 'manual' }), 'manual', '198.51.100.24'],
    ['lowest priority number first', svc('team-a/p'), 'prio-1', '198.51.100.36'],
    ['priority ties broken by name', svc('team-b/t'), 'a-tie', '198.51.100.52'],
    ['no serviceAllocation match → open pools by name', svc('default/x'), 'a-open', '198.51.100.20'],
  ];
  for (const [what, knobs, wantPool, wantIp] of cases) {
    const a = allocator(pools);
    assert.deepEqual(okIps(a.assign(knobs), wantPool), [wantIp], what);
  }
});

test('priority unset/0 comes after every set priority; full pools fall through in order', () => {
  const a = allocator([
    pool('zero', ['198.51.100.1-198.51.100.1'], { serviceAllocation: allocation({ priority: 0 }) }),
    pool('ten', ['198.51.100.2-198.51.100.2'], { serviceAllocation: allocation({ priority: 10 }) }),
    pool('open', ['198.51.100.3-198.51.100.3']),
  ]);
  assert.deepEqual(okIps(a.assign(svc('default/a')), 'ten'), ['198.51.100.2']);
  assert.deepEqual(okIps(a.assign(svc('default/b')), 'zero'), ['198.51.100.1']);
  assert.deepEqual(okIps(a.assign(svc('default/c')), 'open'), ['198.51.100.3']);
  failure(a.assign(svc('default/d')), 'PoolExhausted', /pool zero is exhausted \(1 of 1 IPv4 addresses in use\).*pool open/);
});

test('pinned pools need autoAssign; autoAssign-off pools serve only annotation and requests', () => {
  const a = allocator([
    pool('pinned-manual', ['198.51.100.8/30'], { autoAssign: false, serviceAllocation: allocation({ namespaces: ['team-a'] }) }),
    pool('manual', ['198.51.100.12/30'], { autoAssign: false }),
  ]);
  failure(a.assign(svc('team-a/x')), 'NoPoolMatches', /manual, pinned-manual have autoAssign off/);
  assert.deepEqual(okIps(a.assign(svc('team-a/y', { poolName: 'pinned-manual' }))), ['198.51.100.8']);
});

test('lowest free address, stable and deterministic', () => {
  const run = () => {
    const a = allocator([pool('p', ['198.51.100.10-198.51.100.20', '198.51.100.0-198.51.100.3'])]);
    const got = ['a', 'b', 'c'].map((n) => okIps(a.assign(svc(`default/${n}`)))[0]);
    a.release('default/b');
    got.push(okIps(a.assign(svc('default/d')))[0]);
    return got;
  };
  assert.deepEqual(run(), ['198.51.100.0', '198.51.100.1', '198.51.100.2', '198.51.100.1']);
  assert.deepEqual(run(), run());
});

test('namespace and Service-selector limits, also for requested IPs and the annotation', () => {
  const limited = [
    pool('by-name', ['198.51.100.0/28'], { serviceAllocation: allocation({ namespaces: ['team-a'] }) }),
    pool('by-ns-label', ['198.51.100.16/28'], { serviceAllocation: allocation({ namespaceSelectors: [{ matchLabels: { team: 'b' } }] }) }),
    pool('by-svc-label', ['198.51.100.32/28'], { serviceAllocation: allocation({ serviceSelectors: [{ matchLabels: { tier: 'edge' } }] }) }),
  ];
  const edge = { labels: { tier: 'edge' } };
  const cases: Array<[string, ReturnType<typeof svc>, string | RegExp]> = [
    ['namespace by name', svc('team-a/s'), 'by-name'],
    ['namespace by selector', svc('team-b/s'), 'by-ns-label'],
    ['service selector', svc('default/s', edge), 'by-svc-label'],
    ['nothing admits', svc('default/plain'), /by-name does not admit default\/plain: namespace "default" is not in its namespaces \[team-a\]/],
    ['requested IP outside the namespace limit', svc('team-b/r', { requested: ['198.51.100.5'] }),
      /198\.51\.100\.5 is in pool by-name, and pool by-name does not admit team-b\/r: namespace "team-b" is not in its namespaces/],
    ['requested IP outside the selector limit', svc('team-a/r', { requested: ['198.51.100.33'] }),
      /pool by-svc-label does not admit team-a\/r: the Service's labels match none of its serviceSelectors/],
    ['annotation names a pool that does not admit', svc('team-a/ann', { poolName: 'by-ns-label' }),
      /by-ns-label does not admit team-a\/ann: namespace "team-a" matches none of its namespaceSelectors/],
  ];
  for (const [what, knobs, want] of cases) {
    const a = allocator(limited);
    const r = a.assign(knobs);
    if (typeof want === 'string') { okIps(r, want); continue; }
    const code = knobs.requestedIPs.length > 0 ? 'RequestedIPNotAllowed' : knobs.poolName ? 'PoolNotAllowed' : 'NoPoolMatches';
    failure(r, code, want);
    assert.equal(a.assignmentOf(knobs.key), undefined, what);
  }
});

test('avoidBuggyIPs skips .0 and .255, refuses them when requested, and counts them out', () => {
  const a = allocator([pool('p', ['198.51.100.254-198.51.101.1'], { avoidBuggyIPs: true })]);
  assert.deepEqual(okIps(a.assign(svc('default/a'))), ['198.51.100.254']);
  assert.deepEqual(okIps(a.assign(svc('default/b'))), ['198.51.101.1']);
  failure(a.assign(svc('default/c')), 'PoolExhausted', /pool p is exhausted \(2 of 2 IPv4 addresses in use\)/);
  failure(a.assign(svc('default/d', { requested: ['198.51.100.255'] })), 'RequestedIPNotInAnyPool', /198\.51\.100\.255 is a \.0\/\.255 address of pool p, which sets avoidBuggyIPs/);
  assert.deepEqual(a.poolStats('p'), { assignedIPv4: 2n, assignedIPv6: 0n, availableIPv4: 0n, availableIPv6: 0n });
});

test('errors name the pool: PoolNotFound, RequestedIPNotInAnyPool, no pools at all', () => {
  const a = allocator([pool('p', ['198.51.100.0/30'])]);
  failure(a.assign(svc('default/a', { poolName: 'nope' })), 'PoolNotFound', /pool nope \(address-pool annotation of default\/a\) does not exist/);
  failure(a.assign(svc('default/b', { requested: ['203.0.113.9'] })), 'RequestedIPNotInAnyPool', /^203\.0\.113\.9 is not in any pool$/);
  failure(a.assign(svc('default/c', { requested: ['198.51.100.1'], poolName: 'q' })), 'RequestedIPNotAllowed', /in pool p, but the address-pool annotation asks for pool q/);
  failure(allocator([]).assign(svc('default/d')), 'NoPoolMatches', /no address pools are configured/);
});

test('explicit request for an IP held by another names the holder', () => {
  const a = allocator([pool('p', ['203.0.113.0/29'])]);
  okIps(a.assign(svc('default/web', { requested: ['203.0.113.5'] })));
  failure(a.assign(svc('default/api', { requested: ['203.0.113.5'] })), 'RequestedIPInUse', /^203\.0\.113\.5 is in use by default\/web/);
  assert.equal(a.assignmentOf('default/api'), undefined);
});

// Over time: re-assign is idempotent, pool changes clear only affected Services, adopt at start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatIp } from '../../lib/ip/index.ts';
import { Allocator } from './allocator.ts';
import { allocation, failure, ip, okIps, pool, svc } from './fixtures.ts';

test('re-assign keeps a valid IP; it moves only when the Service asks for something else', () => {
  const labels: Record<string, Record<string, string>> = { ns: { team: 'a' } };
  const a = new Allocator({ namespaceLabels: (ns) => labels[ns] });
  a.setPools([
    pool('first', ['198.51.100.0/29']),
    pool('second', ['203.0.113.0/29']),
    pool('ns-only', ['198.51.100.16/29'], { autoAssign: false, serviceAllocation: allocation({ namespaceSelectors: [{ matchLabels: { team: 'a' } }] }) }),
  ]);
  const cases: Array<[string, Parameters<typeof svc>[1], string, boolean]> = [
    ['first assignment', {}, '198.51.100.0', true],
    ['same knobs again', {}, '198.51.100.0', false],
    ['labels and ports change', { labels: { x: 'y' }, ports: ['UDP/53'] }, '198.51.100.0', false],
    ['annotation names the pool it is in', { poolName: 'first' }, '198.51.100.0', false],
    ['annotation names another pool', { poolName: 'second' }, '203.0.113.0', true],
    ['annotation removed: stays', {}, '203.0.113.0', false],
    ['requested IP', { requested: ['198.51.100.5'] }, '198.51.100.5', true],
    ['request removed: stays', {}, '198.51.100.5', false],
    ['into a namespace-limited pool', { poolName: 'ns-only' }, '198.51.100.16', true],
  ];
  for (const [what, o, want, changed] of cases) {
    const r = a.assign(svc('ns/s', o));
    assert.deepEqual(okIps(r), [want], what);
    assert.equal(r.ok && r.changed, changed, what);
  }
  labels.ns = { team: 'b' };
  failure(a.assign(svc('ns/s', { poolName: 'ns-only' })), 'PoolNotAllowed', /matches none of its namespaceSelectors/);
  assert.equal(a.assignmentOf('ns/s'), undefined, 'a failed assign leaves nothing held');
});

test('setPools: shrinking a pool clears only the Services whose IPs left it', () => {
  const a = new Allocator();
  a.setPools([pool('p', ['198.51.100.0/29']), pool('q', ['203.0.113.0/30'])]);
  for (const n of ['a', 'b', 'c', 'd']) okIps(a.assign(svc(`d/${n}`)));
  okIps(a.assign(svc('d/q', { poolName: 'q' })));
  const { toClear } = a.setPools([pool('p', ['198.51.100.0/31', '198.51.100.3-198.51.100.7']), pool('q', ['203.0.113.0/30'])]);
  assert.deepEqual(toClear, ['d/c']);
  assert.deepEqual(a.assignmentOf('d/d')?.ips.map(formatIp), ['198.51.100.3']);
  assert.equal(a.assignmentOf('d/c'), undefined);
  assert.deepEqual(okIps(a.assign(svc('d/c'))), ['198.51.100.4']);
  assert.deepEqual(a.poolStats('p'), { assignedIPv4: 4n, assignedIPv6: 0n, availableIPv4: 3n, availableIPv6: 0n });
});

test('setPools: deleting a pool clears its Services; unchanged pools are untouched', () => {
  const a = new Allocator();
  a.setPools([pool('p', ['198.51.100.0/30']), pool('q', ['203.0.113.0/30'])]);
  okIps(a.assign(svc('d/p1', { poolName: 'p' })));
  okIps(a.assign(svc('d/q1', { poolName: 'q' })));
  okIps(a.assign(svc('d/q2', { poolName: 'q' })));
  assert.deepEqual(a.setPools([pool('p', ['198.51.100.0/30'])]).toClear, ['d/q1', 'd/q2']);
  assert.equal(a.poolStats('q'), undefined);
  assert.deepEqual(a.servicesInPool('q'), []);
  failure(a.assign(svc('d/q1', { poolName: 'q' })), 'PoolNotFound');
  assert.deepEqual(a.setPools([pool('p', ['198.51.100.0/30']), pool('q', ['203.0.113.0/30'])]).toClear, []);
  assert.deepEqual(okIps(a.assign(svc('d/q1', { poolName: 'q' }))), ['203.0.113.0'], 'pool back: marks rebuilt');
});

test('setPools: avoidBuggyIPs turned on and a tighter namespace limit clear the affected ones', () => {
  const a = new Allocator();
  a.setPools([pool('p', ['198.51.100.0/30'])]);
  okIps(a.assign(svc('keep/a', { requested: ['198.51.100.1'] })));
  okIps(a.assign(svc('keep/b', { requested: ['198.51.100.0'] })));
  okIps(a.assign(svc('other/c', { requested: ['198.51.100.2'] })));
  const next = pool('p', ['198.51.100.0/30'], { avoidBuggyIPs: true, serviceAllocation: allocation({ namespaces: ['keep'] }) });
  assert.deepEqual(a.setPools([next]).toClear, ['keep/b', 'other/c']);
  assert.deepEqual(a.servicesInPool('p'), ['keep/a']);
});

test('setPools: a dual-stack Service losing one family keeps the other and picks it up again', () => {
  const a = new Allocator();
  const prefer = { families: [4, 6] as (4 | 6)[], familyPolicy: 'PreferDualStack' as const };
  a.setPools([pool('p', ['198.51.100.0/30', '2001:db8::/126'])]);
  assert.deepEqual(okIps(a.assign(svc('d/x', prefer))), ['198.51.100.0', '2001:db8::']);
  assert.deepEqual(a.setPools([pool('p', ['198.51.100.0/30'])]).toClear, ['d/x']);
  assert.deepEqual(a.assignmentOf('d/x')?.ips.map(formatIp), ['198.51.100.0']);
  a.setPools([pool('p', ['198.51.100.0/30', '2001:db8::8/126'])]);
  assert.deepEqual(okIps(a.assign(svc('d/x', prefer))), ['198.51.100.0', '2001:db8::8']);
});

test('release frees the IP and a pending Service then fits', () => {
  const a = new Allocator();
  a.setPools([pool('p', ['198.51.100.7/32'])]);
  okIps(a.assign(svc('d/a')));
  failure(a.assign(svc('d/b')), 'PoolExhausted', /^pool p is exhausted \(1 of 1 IPv4 addresses in use\)$/);
  assert.equal(a.release('d/a'), true);
  assert.equal(a.release('d/a'), false);
  assert.deepEqual(okIps(a.assign(svc('d/b'))), ['198.51.100.7']);
});

test('adopt before assign: a restart moves nothing and never duplicates', () => {
  const pools = [pool('p', ['198.51.100.0/29']), pool('v6', ['2001:db8::/64'], { serviceAllocation: allocation({ namespaces: ['six'] }) })];
  const a = new Allocator();
  a.setPools(pools);
  const r1 = a.adopt(svc('d/late'), [ip('198.51.100.3')]);
  assert.ok(r1.ok && r1.rejected.length === 0);
  const dup = a.adopt(svc('d/dup'), [ip('198.51.100.3')]);
  assert.ok(!dup.ok);
  assert.equal(dup.reason.reason, 'RequestedIPInUse');
  assert.match(dup.reason.message, /198\.51\.100\.3 is in use by d\/late/);
  const outside = a.adopt(svc('d/out'), [ip('203.0.113.1')]);
  assert.ok(!outside.ok && outside.reason.reason === 'RequestedIPNotInAnyPool');
  const limited = a.adopt(svc('d/v6', { families: [6] }), [ip('2001:db8::5')]);
  assert.ok(!limited.ok && limited.reason.reason === 'RequestedIPNotAllowed', 'namespace limits hold for adopted IPs');
  const partial = a.adopt(svc('six/x', { families: [6, 4], familyPolicy: 'PreferDualStack' }), [ip('2001:db8::5'), ip('198.51.100.4')]);
  assert.ok(partial.ok);
  assert.deepEqual(partial.ips.map(formatIp), ['2001:db8::5']);
  assert.equal(partial.rejected[0]?.reason.reason, 'RequestedIPNotAllowed', 'one pool per Service');
  // Now serve everything: adopted ones keep their IPs, new ones never land on them.
  assert.deepEqual(okIps(a.assign(svc('d/late'))), ['198.51.100.3']);
  const served = ['d/dup', 'd/out', 'd/n1', 'd/n2', 'd/n3'].map((k) => okIps(a.assign(svc(k)))[0]);
  assert.deepEqual(served, ['198.51.100.0', '198.51.100.1', '198.51.100.2', '198.51.100.4', '198.51.100.5']);
  assert.deepEqual(a.poolStats('v6'), { assignedIPv4: 0n, assignedIPv6: 1n, availableIPv4: 0n, availableIPv6: (1n << 64n) - 1n });
});

test('poolStats are exact for a /64 and for mixed pools', () => {
  const a = new Allocator();
  a.setPools([pool('big', ['2001:db8:0:1::/64', '198.51.100.0/24'])]);
  for (let i = 0; i < 10; i++) okIps(a.assign(svc(`d/s${i}`, { families: [6] })));
  okIps(a.assign(svc('d/four')));
  assert.deepEqual(a.poolStats('big'), {
    assignedIPv4: 1n, assignedIPv6: 10n, availableIPv4: 255n, availableIPv6: (1n << 64n) - 10n,
  });
  assert.equal(a.poolStats('missing'), undefined);
});

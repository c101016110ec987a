import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NOW, service, snapshot } from './fixtures.ts';
import { explainPool, RATE_WINDOW_MS } from './pool.ts';

const status = (assignedIPv4: number, availableIPv4: number) => ({ assignedIPv4, availableIPv4, assignedIPv6: 0, availableIPv6: 0, availableIPv6Exact: '0' });

function withPool(spec: Record<string, unknown>, st?: Record<string, unknown>) {
  const snap = snapshot();
  snap.config.pools = [{ metadata: { name: 'web', namespace: 'portside-system' }, spec, ...(st ? { status: st } : {}) }];
  return snap;
}

test('size, used and free per family from the controller\'s counters; holders with their IPs', () => {
  const snap = withPool({ addresses: ['198.51.100.16/28', '2001:db8:1::/120'] }, { ...status(2, 14), assignedIPv6: 1, availableIPv6: 255, availableIPv6Exact: '255' });
  snap.services = [
    service('shop/a', { ips: ['198.51.100.16', '2001:db8:1::1'], pool: 'web' }),
    service('shop/b', { ips: ['198.51.100.17'], pool: 'web' }),
    service('shop/other', { ips: ['203.0.113.5'], pool: 'elsewhere' }),
  ];
  const r = explainPool(snap, 'web');
  assert.equal(r.countedBy, 'controller');
  assert.deepEqual(r.families.map((f) => [f.family, f.size, f.used, f.free]), [['IPv4', '16', '2', '14'], ['IPv6', '256', '1', '255']]);
  assert.deepEqual(r.holders.map((h) => [h.service, h.ips]), [['shop/a', ['198.51.100.16', '2001:db8:1::1']], ['shop/b', ['198.51.100.17']]]);
  assert.ok(r.verdict.healthy);
  assert.equal(r.verdict.summary, 'OK: pool web (IPv4 2/16 used, IPv6 1/256 used)');
});

test('time to exhaustion at the recent rate: allocations within the window only', () => {
  const snap = withPool({ addresses: ['198.51.100.16/28'] }, status(3, 13));
  snap.services = [
    service('shop/a', { ips: ['198.51.100.16'], pool: 'web', allocatedAt: NOW - 3_600_000 }),
    service('shop/b', { ips: ['198.51.100.17'], pool: 'web', allocatedAt: NOW - 7_200_000 }),
    service('shop/old', { ips: ['198.51.100.18'], pool: 'web', allocatedAt: NOW - 2 * RATE_WINDOW_MS }),
  ];
  const [v4] = explainPool(snap, 'web').families;
  assert.equal(v4!.recentAllocations, 2);
  assert.equal(v4!.exhaustionMs, 13 * (RATE_WINDOW_MS / 2)); // 6.5 days
  snap.services = [service('shop/old', { ips: ['198.51.100.18'], pool: 'web', allocatedAt: NOW - 2 * RATE_WINDOW_MS })];
  assert.equal(explainPool(snap, 'web').families[0]!.exhaustionMs, undefined, 'no recent allocation: no estimate');
});

test('an exhausted pool with Services waiting for it is not healthy', () => {
  const snap = withPool({ addresses: ['198.51.100.16/31'] }, status(2, 0));
  snap.services = [
    service('shop/a', { ips: ['198.51.100.16'], pool: 'web' }),
    service('shop/b', { ips: ['198.51.100.17'], pool: 'web' }),
    service('shop/c', { pending: { reason: 'PoolExhausted', message: 'pool web is exhausted (IPv4 2/2 used)' } }),
    service('shop/d', { pending: { reason: 'PoolExhausted', message: 'pool web-2 is exhausted (IPv4 2/2 used)' } }),
  ];
  const r = explainPool(snap, 'web');
  assert.deepEqual(r.pending.map((p) => p.service), ['shop/c'], 'pool web-2 is another pool');
  assert.equal(r.verdict.healthy, false);
  assert.equal(r.verdict.summary, 'pool web has no free IPv4 address (IPv4 2/2 used); 1 Service(s) wait for an IP');
});

test('no status yet: counted from the ranges and the holders, and said so; an unknown pool lists the known ones', () => {
  const snap = withPool({ addresses: ['198.51.100.16/30'] });
  snap.services = [service('shop/a', { ips: ['198.51.100.16'] })];
  const r = explainPool(snap, 'web');
  assert.equal(r.countedBy, 'explain');
  assert.deepEqual(r.families.map((f) => [f.size, f.used, f.free]), [['4', '1', '3']]);
  assert.equal(r.verdict.healthy, false);
  assert.match(r.verdict.summary, /has no status/);
  const missing = explainPool(snap, 'nope');
  assert.equal(missing.exists, false);
  assert.deepEqual(missing.verdict, { healthy: false, summary: 'no IPAddressPool nope in portside-system', next: 'pools there: web' });
});

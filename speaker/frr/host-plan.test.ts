import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mustParseCidr, parseAddressRange, type IpRange } from '../../lib/ip/index.ts';
import { networkCommands, noChanges, ownedByPortside, planHostFrr, type Ownership } from './host-plan.ts';
import { routeMapLines, routeMapName, withGracefulShutdown, type PrefixAttributes } from './host-route-maps.ts';
import type { RunningConfig } from './running-config.ts';

const range = (t: string): IpRange => {
  const r = parseAddressRange(t);
  if (!r.ok) throw new Error(r.error);
  return r.value;
};
const own: Ownership = { pools: [range('203.0.113.0/28'), range('2001:db8:ff::/120')], exclude: [mustParseCidr('203.0.113.9/32')] };
const cidrs = (...t: string[]) => t.map(mustParseCidr);

interface FamilyInput { networks?: string[]; connected?: boolean; routeMaps?: Record<string, string> }

function running(v4: FamilyInput = {}, v6: FamilyInput = {}, routeMaps: RunningConfig['routeMaps'] = {}): RunningConfig {
  const family = (f: FamilyInput) => ({ networks: f.networks ?? [], networkRouteMaps: f.routeMaps ?? {}, redistributeConnected: f.connected ?? false });
  return { version: '8.4.4', bgp: { asn: 64513, importCheckOff: true, families: { ipv4: family(v4), ipv6: family(v6) } }, routeMaps };
}

test('ownership: a /32 or /128 inside a pool and outside the exclude list', () => {
  assert.equal(ownedByPortside(mustParseCidr('203.0.113.1/32'), own), true);
  assert.equal(ownedByPortside(mustParseCidr('2001:db8:ff::5/128'), own), true);
  assert.equal(ownedByPortside(mustParseCidr('203.0.113.9/32'), own), false, 'excluded');
  assert.equal(ownedByPortside(mustParseCidr('203.0.113.0/28'), own), false, 'not a host prefix');
  assert.equal(ownedByPortside(mustParseCidr('203.0.113.100/32'), own), false, 'outside every pool');
  assert.equal(ownedByPortside(mustParseCidr('198.51.100.3/32'), own), false);
});

test('dynamic: add wanted networks, remove stale owned ones, never touch the operator\'s', () => {
  const rc = running({ networks: ['203.0.113.1/32', '203.0.113.2/32', '203.0.113.9/32', '10.0.0.0/24', '203.0.113.100/32'] }, { networks: ['2001:db8:ff::7/128'] });
  const c = planHostFrr(rc, [], cidrs('203.0.113.1/32', '203.0.113.3/32', '2001:db8:ff::1/128'), own);
  assert.deepEqual(c.modes, { ipv4: 'dynamic', ipv6: 'dynamic' });
  assert.deepEqual(c.networks, {
    ipv4: { add: ['203.0.113.3/32'], remove: ['203.0.113.2/32'], rebind: [] },
    ipv6: { add: ['2001:db8:ff::1/128'], remove: ['2001:db8:ff::7/128'], rebind: [] },
  });
  assert.deepEqual(c.routeMaps, { write: [], remove: [] }, 'no attributes: no route-map');
  assert.deepEqual(c.addresses, { add: [], remove: [] });
  assert.deepEqual(networkCommands(64513, c), [
    'configure terminal', 'router bgp 64513',
    'address-family ipv4 unicast', 'no network 203.0.113.2/32', 'network 203.0.113.3/32', 'exit-address-family',
    'address-family ipv6 unicast', 'no network 2001:db8:ff::7/128', 'network 2001:db8:ff::1/128', 'exit-address-family',
    'exit', 'end',
  ]);
});

test('connected (per family): addresses on the interface; owned network lines of that family go; foreign addresses stay', () => {
  const rc = running({ networks: ['203.0.113.2/32'], connected: true });
  const onIface = cidrs('203.0.113.4/32', '198.51.100.50/32', '203.0.113.9/32', 'fe80::1/64');
  const c = planHostFrr(rc, onIface, cidrs('203.0.113.1/32', '203.0.113.9/32', '2001:db8:ff::1/128'), own);
  assert.deepEqual(c.modes, { ipv4: 'connected', ipv6: 'dynamic' });
  assert.deepEqual(c.addresses, { add: ['203.0.113.1/32'], remove: ['203.0.113.4/32'] }, 'excluded .9 neither added nor removed');
  assert.deepEqual(c.networks.ipv4, { add: [], remove: ['203.0.113.2/32'], rebind: [] });
  assert.deepEqual(c.networks.ipv6, { add: ['2001:db8:ff::1/128'], remove: [], rebind: [] });
});

test('nothing to do is no command at all; no pools means nothing is ours to remove', () => {
  const rc = running({ networks: ['203.0.113.1/32'] });
  const same = planHostFrr(rc, [], cidrs('203.0.113.1/32'), own);
  assert.equal(noChanges(same), true);
  assert.deepEqual(networkCommands(64513, same), []);
  const noPools = planHostFrr(rc, cidrs('203.0.113.4/32'), [], { pools: [], exclude: [] });
  assert.equal(noChanges(noPools), true);
});

const none: PrefixAttributes = { communities: [], largeCommunities: [], localPref: undefined };
const gold: PrefixAttributes = { communities: [64512 * 0x10000 + 100], largeCommunities: [{ globalAdmin: 64512, localData1: 1, localData2: 2 }], localPref: 200 };
const goldLines = ['set community 64512:100 additive', 'set large-community 64512:1:2 additive', 'set local-preference 200'];
const goldMap = routeMapName(goldLines);

test('dynamic with attributes: Portside\'s route-map first, then `network P route-map portside-…`; a plain prefix stays plain', () => {
  const rc = running({}, {}, { 'portside-0000000000000000': [{ action: 'permit', seq: 10, lines: ['set local-preference 7'] }] });
  const attributes = new Map([['203.0.113.1/32', gold], ['203.0.113.2/32', none], ['2001:db8:ff::1/128', gold]]);
  const c = planHostFrr(rc, [], cidrs('203.0.113.1/32', '203.0.113.2/32', '2001:db8:ff::1/128'), own, attributes);
  assert.deepEqual(routeMapLines(gold), goldLines);
  assert.deepEqual(c.routeMaps, { write: [{ name: goldMap, lines: goldLines, replace: false }], remove: ['portside-0000000000000000'] }, 'one route-map for equal attributes; an unused one of ours goes');
  assert.deepEqual(c.routeMapOf, { '203.0.113.1/32': goldMap, '2001:db8:ff::1/128': goldMap });
  assert.deepEqual(networkCommands(64513, c), [
    'configure terminal',
    `route-map ${goldMap} permit 10`, ...goldLines, 'exit',
    'router bgp 64513',
    'address-family ipv4 unicast', `network 203.0.113.1/32 route-map ${goldMap}`, 'network 203.0.113.2/32', 'exit-address-family',
    'address-family ipv6 unicast', `network 2001:db8:ff::1/128 route-map ${goldMap}`, 'exit-address-family',
    'exit',
    'no route-map portside-0000000000000000',
    'end',
  ]);
});

test('in place and as FRR prints it: nothing to do; new attributes rebind to a new route-map and the old one goes', () => {
  const printed = [{ action: 'permit' as const, seq: 10, lines: ['set community 64512:100 additive', 'set large-community 64512:1:2 additive', 'set local-preference 200'] }];
  const rc = running({ networks: ['203.0.113.1/32', '203.0.113.2/32'], routeMaps: { '203.0.113.1/32': goldMap } }, {}, { [goldMap]: printed });
  const same = planHostFrr(rc, [], cidrs('203.0.113.1/32', '203.0.113.2/32'), own, new Map([['203.0.113.1/32', gold]]));
  assert.equal(noChanges(same), true);
  assert.deepEqual(networkCommands(64513, same), []);

  // Cordoned: every prefix gets GRACEFUL_SHUTDOWN (and local-pref 0), the plain one too.
  const gshut = planHostFrr(rc, [], cidrs('203.0.113.1/32', '203.0.113.2/32'), own,
    new Map([['203.0.113.1/32', withGracefulShutdown(gold)], ['203.0.113.2/32', withGracefulShutdown(none)]]));
  const gshutGold = routeMapName(routeMapLines(withGracefulShutdown(gold)));
  const gshutOnly = routeMapName(['set community 65535:0 additive', 'set local-preference 0']);
  assert.deepEqual(gshut.networks.ipv4, { add: [], remove: [], rebind: ['203.0.113.1/32', '203.0.113.2/32'] });
  assert.deepEqual(gshut.routeMapOf, { '203.0.113.1/32': gshutGold, '203.0.113.2/32': gshutOnly });
  assert.deepEqual(gshut.routeMaps.remove, [goldMap]);
  assert.deepEqual(gshut.routeMaps.write.map((m) => m.lines), [
    ['set community 64512:100 65535:0 additive', 'set large-community 64512:1:2 additive', 'set local-preference 0'],
    ['set community 65535:0 additive', 'set local-preference 0'],
  ].sort((a, b) => (routeMapName(a) < routeMapName(b) ? -1 : 1)));

  // The advertisement's attributes go: the line is written plain again (FRR drops its route-map), the route-map goes.
  const plain = planHostFrr(rc, [], cidrs('203.0.113.1/32', '203.0.113.2/32'), own);
  assert.deepEqual(plain.networks.ipv4.rebind, ['203.0.113.1/32']);
  assert.deepEqual(networkCommands(64513, plain), [
    'configure terminal', 'router bgp 64513', 'address-family ipv4 unicast', 'network 203.0.113.1/32', 'exit-address-family', 'exit',
    `no route-map ${goldMap}`, 'end',
  ]);
});

test('a route-map of ours changed by hand is written again; the operator\'s network lines and route-maps are never touched', () => {
  const rc = running({ networks: ['203.0.113.1/32', '10.1.0.0/24', '203.0.113.100/32'], routeMaps: { '203.0.113.1/32': goldMap, '10.1.0.0/24': 'OPERATOR', '203.0.113.100/32': 'portside-0000000000000000' } }, {},
    { [goldMap]: [{ action: 'permit', seq: 10, lines: ['set community 64512:100 additive', 'set local-preference 200'] }] });
  const c = planHostFrr(rc, [], cidrs('203.0.113.1/32'), own, new Map([['203.0.113.1/32', gold]]));
  assert.deepEqual(c.routeMaps, { write: [{ name: goldMap, lines: goldLines, replace: true }], remove: [] });
  assert.deepEqual(c.networks.ipv4, { add: [], remove: [], rebind: [] }, '10.1.0.0/24 and 203.0.113.100/32 (outside every pool) are the operator\'s');
  assert.deepEqual(networkCommands(64513, c), ['configure terminal', `no route-map ${goldMap}`, `route-map ${goldMap} permit 10`, ...goldLines, 'exit', 'end']);
});

test('connected mode: no route-map (the attributes are the operator\'s redistribute policy\'s); our stale route-maps go', () => {
  const rc = running({ connected: true }, {}, { [goldMap]: [{ action: 'permit', seq: 10, lines: goldLines }] });
  const c = planHostFrr(rc, [], cidrs('203.0.113.1/32'), own, new Map([['203.0.113.1/32', gold]]));
  assert.deepEqual(c.addresses.add, ['203.0.113.1/32']);
  assert.deepEqual(c.routeMapOf, {});
  assert.deepEqual(c.routeMaps, { write: [], remove: [goldMap] });
  assert.deepEqual(networkCommands(64513, c), ['configure terminal', `no route-map ${goldMap}`, 'end']);
});

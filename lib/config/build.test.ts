import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { buildConfig } from './build.ts';
import type { BuildInput } from './types.ts';
import { bfd, bgpAdv, community, input, l2, peer, pool } from './testing.ts';

test('a full valid configuration builds', () => {
  const r = buildConfig(input({
    pools: [pool('gold', { addresses: ['198.51.100.0/24', '2001:db8:1::/64'], serviceAllocation: { priority: 5 } }), pool('silver', { addresses: ['203.0.113.0/24'], autoAssign: false })],
    l2Advertisements: [l2('l2', { ipAddressPools: ['silver'] })],
    bgpAdvertisements: [bgpAdv('bgp', { ipAddressPools: ['gold'], communities: ['edge'], localPref: 50, peers: ['tor'] })],
    bgpPeers: [peer('tor', { bfdProfile: 'fast', holdTime: '9s' })],
    bfdProfiles: [bfd('fast', { receiveInterval: 100, transmitInterval: 100 })],
    communities: [community('aliases', [['edge', '64512:100']])],
  }));
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  assert.deepEqual([...r.config.pools.keys()], ['gold', 'silver']);
  assert.equal(r.config.pools.get('silver')!.autoAssign, false);
  assert.equal(r.config.pools.get('gold')!.serviceAllocation?.priority, 5);
  assert.equal(r.config.bgpPeers.get('tor')!.keepaliveTimeMs, 3000);
  assert.equal(r.config.bgpPeers.get('tor')!.bfdProfile?.receiveIntervalMs, 100);
  assert.deepEqual(r.warnings, []);
});

test('an empty configuration is valid', () => {
  const r = buildConfig({ pools: [], l2Advertisements: [], bgpAdvertisements: [], bgpPeers: [], bfdProfiles: [], communities: [] });
  assert.ok(r.ok);
  assert.equal(r.config.pools.size, 0);
});

test('objects without a name are reported', () => {
  const r = buildConfig(input({ pools: [{ metadata: {}, spec: { addresses: ['198.51.100.0/24'] } }] }));
  assert.ok(!r.ok);
  assert.deepEqual(r.errors.map((e) => [e.kind, e.name, e.field]), [['IPAddressPool', '', 'metadata.name']]);
});

test('all errors are reported at once, not just the first', () => {
  const r = buildConfig(input({ pools: [pool('a', { addresses: ['nope', '198.51.100.0/40'] })], bfdProfiles: [bfd('b', { detectMultiplier: 1 })] }));
  assert.ok(!r.ok);
  assert.deepEqual(r.errors.map((e) => e.field), ['spec.addresses[0]', 'spec.addresses[1]', 'spec.detectMultiplier']);
});

test('malformed objects never throw: they become ConfigErrors', () => {
  const junk: unknown[] = [null, 1, 'x', {}, { metadata: null }, { metadata: { name: 'j' } }, { metadata: { name: 'k' }, spec: null },
    { metadata: { name: 'l' }, spec: { addresses: 'nope', communities: 'x', nodeSelectors: 'x', peers: {}, interfaces: [1] } },
    { metadata: { name: 'm' }, spec: { addresses: [null], serviceAllocation: { namespaces: [null], serviceSelectors: [null] } } },
    { metadata: { name: 'n' }, spec: { communities: [null], preferredNodeSelectors: [null], passwordSecret: {}, holdTime: 5 } }];
  const kinds = ['pools', 'l2Advertisements', 'bgpAdvertisements', 'bgpPeers', 'bfdProfiles', 'communities'] as const;
  for (const kind of kinds) {
    for (const j of junk) {
      const bad = { ...input(), [kind]: [j] } as unknown as BuildInput;
      let r;
      assert.doesNotThrow(() => { r = buildConfig(bad); }, `${kind}: ${JSON.stringify(j)}`);
      assert.ok(r);
    }
  }
  assert.doesNotThrow(() => buildConfig(null as unknown as BuildInput));
  const r = buildConfig(null as unknown as BuildInput);
  assert.ok(!r.ok);
  assert.equal(r.errors[0]!.kind, 'Configuration');
});

test('random junk never throws (property)', () => {
  const kinds = ['pools', 'l2Advertisements', 'bgpAdvertisements', 'bgpPeers', 'bfdProfiles', 'communities'] as const;
  fc.assert(fc.property(fc.constantFrom(...kinds), fc.array(fc.record({ metadata: fc.record({ name: fc.string() }), spec: fc.anything() })), (kind, objs) => {
    const bad = { ...input(), [kind]: objs } as unknown as BuildInput;
    buildConfig(bad);
  }));
});

test('a malformed object is a config error naming its kind, namespace/name and field, and fails the build', () => {
  const bad = { metadata: { name: 'tor', namespace: 'portside-system' }, spec: { myASN: 64512, peerASN: 64513, peerAddress: '198.51.100.254', peerPort: '179' } };
  const r = buildConfig(input({ bgpPeers: [bad] }));
  assert.ok(!r.ok);
  assert.deepEqual(r.errors, [
    { kind: 'BGPPeer', namespace: 'portside-system', name: 'tor', field: 'spec.peerPort', message: 'must be a whole number' },
  ]);
});

test('objects are read with the schema defaults applied, also without a spec', () => {
  const r = buildConfig(input({ bgpAdvertisements: [{ metadata: { name: 'a' } }], bfdProfiles: [{ metadata: { name: 'b' } }] }));
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  assert.equal(r.config.bgpAdvertisements[0]!.aggregationLength, 32);
  assert.equal(r.config.bfdProfiles.get('b')!.detectMultiplier, 3);
  const pool = buildConfig(input({ pools: [{ metadata: { name: 'p' } }] }));
  assert.ok(!pool.ok);
  assert.deepEqual(pool.errors.map((e) => [e.kind, e.name, e.field]), [['IPAddressPool', 'p', 'spec']]);
});

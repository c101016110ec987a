import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mustParseCidr, parseAddressRange, type IpRange } from '../../lib/ip/index.ts';
import { networkCommands, noChanges, ownedByPortside, planHostFrr, type Ownership } from './host-plan.ts';
import type { RunningConfig } from './running-config.ts';

const range = (t: string): IpRange => {
  const r = parseAddressRange(t);
  if (!r.ok) throw new Error(r.error);
  return r.value;
};
const own: Ownership = { pools: [range('203.0.113.0/28'), range('2001:db8:ff::/120')], exclude: [mustParseCidr('203.0.113.9/32')] };
const cidrs = (...t: string[]) => t.map(mustParseCidr);

function running(v4: { networks?: string[]; connected?: boolean } = {}, v6: { networks?: string[]; connected?: boolean } = {}): RunningConfig {
  return {
    version: '8.4.4',
    bgp: {
      asn: 64513, importCheckOff: true,
      families: {
        ipv4: { networks: v4.networks ?? [], redistributeConnected: v4.connected ?? false },
        ipv6: { networks: v6.networks ?? [], redistributeConnected: v6.connected ?? false },
      },
    },
  };
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
    ipv4: { add: ['203.0.113.3/32'], remove: ['203.0.113.2/32'] },
    ipv6: { add: ['2001:db8:ff::1/128'], remove: ['2001:db8:ff::7/128'] },
  });
  assert.deepEqual(c.addresses, { add: [], remove: [] });
  assert.deepEqual(networkCommands(64513, c), [
    'configure terminal', 'router bgp 64513',
    'address-family ipv4 unicast', 'no network 203.0.113.2/32', 'network 203.0.113.3/32', 'exit-address-family',
    'address-family ipv6 unicast', 'no network 2001:db8:ff::7/128', 'network 2001:db8:ff::1/128', 'exit-address-family',
    'end',
  ]);
});

test('connected (per family): addresses on the interface; owned network lines of that family go; foreign addresses stay', () => {
  const rc = running({ networks: ['203.0.113.2/32'], connected: true });
  const onIface = cidrs('203.0.113.4/32', '198.51.100.50/32', '203.0.113.9/32', 'fe80::1/64');
  const c = planHostFrr(rc, onIface, cidrs('203.0.113.1/32', '203.0.113.9/32', '2001:db8:ff::1/128'), own);
  assert.deepEqual(c.modes, { ipv4: 'connected', ipv6: 'dynamic' });
  assert.deepEqual(c.addresses, { add: ['203.0.113.1/32'], remove: ['203.0.113.4/32'] }, 'excluded .9 neither added nor removed');
  assert.deepEqual(c.networks.ipv4, { add: [], remove: ['203.0.113.2/32'] });
  assert.deepEqual(c.networks.ipv6, { add: ['2001:db8:ff::1/128'], remove: [] });
});

test('nothing to do is no command at all; no pools means nothing is ours to remove', () => {
  const rc = running({ networks: ['203.0.113.1/32'] });
  const same = planHostFrr(rc, [], cidrs('203.0.113.1/32'), own);
  assert.equal(noChanges(same), true);
  assert.deepEqual(networkCommands(64513, same), []);
  const noPools = planHostFrr(rc, cidrs('203.0.113.4/32'), [], { pools: [], exclude: [] });
  assert.equal(noChanges(noPools), true);
});

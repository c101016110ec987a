import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildConfig } from './build.ts';
import { type ErrorCase, assertCase, bgpAdv, input, peer, pool } from './testing.ts';

const B = 'BGPAdvertisement';
const pools = [pool('v4', { addresses: ['198.51.100.0/24'] }, { tier: 'gold' }), pool('v6', { addresses: ['2001:db8::/64'] }),
  pool('odd', { addresses: ['203.0.113.10-203.0.113.20'] })];
const peers = [peer('tor1'), peer('tor2', { peerAddress: '198.51.100.253' })];
const nodes = [{ metadata: { name: 'n1', labels: { rack: '1' } } }, { metadata: { name: 'n2', labels: { rack: '2' } } }];

const cases: ErrorCase[] = [
  { name: 'defaults', input: input({ pools, bgpAdvertisements: [bgpAdv('a')] }) },
  { name: 'aggregation equal to the pool prefix', input: input({ pools, bgpAdvertisements: [bgpAdv('a', { ipAddressPools: ['v4', 'v6'], aggregationLength: 24, aggregationLengthV6: 64 })] }) },
  { name: 'aggregation shorter than a v4 pool prefix', input: input({ pools, bgpAdvertisements: [bgpAdv('a', { ipAddressPools: ['v4'], aggregationLength: 16 })] }),
    want: { kind: B, name: 'a', field: 'spec.aggregationLength', message: /\/24.*more specific/ } },
  { name: 'aggregation shorter than a v6 pool prefix', input: input({ pools, bgpAdvertisements: [bgpAdv('a', { ipAddressPools: ['v6'], aggregationLengthV6: 48 })] }),
    want: { kind: B, name: 'a', field: 'spec.aggregationLengthV6' } },
  { name: 'a range is checked by its widest CIDR (.10-.20 has .12/30 and .16/30)', input: input({ pools, bgpAdvertisements: [bgpAdv('a', { ipAddressPools: ['odd'], aggregationLength: 29 })] }),
    want: { kind: B, name: 'a', field: 'spec.aggregationLength', message: /\/30/ } },
  { name: 'aggregation out of range', input: input({ pools, bgpAdvertisements: [bgpAdv('a', { aggregationLength: 33 })] }), want: { kind: B, name: 'a', field: 'spec.aggregationLength', message: /1-32/ } },
  { name: 'serviceSelectors with aggregation', input: input({ pools, bgpAdvertisements: [bgpAdv('a', { ipAddressPools: ['v4'], aggregationLength: 24, serviceSelectors: [{ matchLabels: { a: 'b' } }] })] }),
    want: { kind: B, name: 'a', field: 'spec.serviceSelectors' } },
  { name: 'missing pool: a warning, as MetalLB', input: input({ pools, bgpAdvertisements: [bgpAdv('a', { ipAddressPools: ['nope'] })] }), warning: { kind: B, name: 'a', field: 'spec.ipAddressPools[0]', message: /"nope" not found/ } },
  { name: 'missing peer: a warning, as MetalLB', input: input({ pools, bgpPeers: peers, bgpAdvertisements: [bgpAdv('a', { peers: ['tor3'] })] }), warning: { kind: B, name: 'a', field: 'spec.peers[0]' } },
  { name: 'names outside the object-name pattern select nothing (MetalLB sample)', input: input({ pools, bgpPeers: peers, bgpAdvertisements: [bgpAdv('a', { ipAddressPools: ['PoolA'], peers: ['PeerA'] })] }),
    warning: { kind: B, name: 'a', field: 'spec.peers[0]', message: /"PeerA"/ } },
  { name: 'duplicate peer', input: input({ pools, bgpPeers: peers, bgpAdvertisements: [bgpAdv('a', { peers: ['tor1', 'tor1'] })] }), want: { kind: B, name: 'a', field: 'spec.peers[1]' } },
  { name: 'localPref out of range', input: input({ pools, bgpAdvertisements: [bgpAdv('a', { localPref: -1 })] }), want: { kind: B, name: 'a', field: 'spec.localPref' } },
  { name: 'invalid node selector', input: input({ pools, bgpAdvertisements: [bgpAdv('a', { nodeSelectors: [{ matchExpressions: [{ key: 'k', operator: 'Gt' as 'In', values: ['1'] }] }] })] }),
    want: { kind: B, name: 'a', field: 'spec.nodeSelectors[0].matchExpressions[0].operator' } },
  { name: 'same localPref is fine', input: input({ pools, bgpAdvertisements: [bgpAdv('a', { localPref: 100 }), bgpAdv('b', { localPref: 100 })] }) },
  { name: 'conflicting localPref', input: input({ pools, bgpAdvertisements: [bgpAdv('a', { localPref: 100, ipAddressPools: ['v4'] }), bgpAdv('b', { localPref: 200 })] }),
    want: { kind: B, name: 'b', field: 'spec.localPref', message: /BGPAdvertisement "a" for pool "v4"/ } },
  { name: 'different localPref, different aggregation', input: input({ pools, bgpAdvertisements: [bgpAdv('a', { localPref: 100, ipAddressPools: ['v4'] }), bgpAdv('b', { localPref: 200, ipAddressPools: ['v4'], aggregationLength: 24 })] }) },
  { name: 'different localPref, disjoint peers', input: input({ pools, bgpPeers: peers, bgpAdvertisements: [bgpAdv('a', { localPref: 100, peers: ['tor1'] }), bgpAdv('b', { localPref: 200, peers: ['tor2'] })] }) },
  { name: 'different localPref, disjoint nodes', input: input({ pools, nodes, bgpAdvertisements: [bgpAdv('a', { localPref: 100, nodeSelectors: [{ matchLabels: { rack: '1' } }] }), bgpAdv('b', { localPref: 200, nodeSelectors: [{ matchLabels: { rack: '2' } }] })] }) },
  { name: 'different localPref with serviceSelectors: not checked, as MetalLB (the documented 200/100 example)',
    input: input({ pools, bgpAdvertisements: [bgpAdv('a', { localPref: 200, ipAddressPools: ['v4'], serviceSelectors: [{ matchLabels: { app: 'x' } }] }), bgpAdv('b', { localPref: 100, ipAddressPools: ['v4'] })] }) },
  { name: 'different localPref, serviceSelectors on the other advert: not checked', input: input({ pools, bgpAdvertisements: [bgpAdv('a', { localPref: 200, ipAddressPools: ['v4'] }), bgpAdv('b', { localPref: 100, ipAddressPools: ['v4'], serviceSelectors: [{ matchLabels: { app: 'x' } }] })] }) },
  { name: 'different localPref, selectors meet on a node', input: input({ pools, nodes, bgpAdvertisements: [bgpAdv('a', { localPref: 100, nodeSelectors: [{ matchLabels: { rack: '1' } }] }), bgpAdv('b', { localPref: 200, nodeSelectors: [{ matchExpressions: [{ key: 'rack', operator: 'Exists' }] }] })] }),
    want: { kind: B, name: 'b', field: 'spec.localPref' } },
];

test('BGPAdvertisement rules (table)', () => {
  for (const c of cases) assertCase(c, buildConfig(c.input));
});

test('pool resolution: names ∪ selectors, all when neither', () => {
  const r = buildConfig(input({ pools, bgpAdvertisements: [bgpAdv('all'), bgpAdv('sel', { ipAddressPools: ['v6'], ipAddressPoolSelectors: [{ matchLabels: { tier: 'gold' } }] }),
    bgpAdv('none', { ipAddressPoolSelectors: [{ matchLabels: { tier: 'none' } }] })] }));
  assert.ok(r.ok);
  const byName = new Map(r.config.bgpAdvertisements.map((a) => [a.name, a]));
  assert.deepEqual(byName.get('all')!.pools, ['odd', 'v4', 'v6']);
  assert.deepEqual(byName.get('sel')!.pools, ['v4', 'v6']);
  assert.deepEqual(byName.get('none')!.pools, []);
  assert.equal(byName.get('all')!.aggregationLength, 32);
  assert.equal(byName.get('all')!.aggregationLengthV6, 128);
  assert.equal(byName.get('all')!.localPref, 0);
});

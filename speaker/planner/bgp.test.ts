import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planNode } from './plan.ts';
import { assertRoutes, bgpAdv, community, config, node, peer, pool, type RouteCase, scenario, service, slice } from './testing.ts';
import { SkipReason } from './types.ts';

const twoPools = [pool('default', { addresses: ['198.51.100.0/24', '2001:db8::/64'] }), pool('other', { addresses: ['203.0.113.0/24'] })];
const rack = (r: string) => ({ labels: { rack: r } });

const cases: RouteCase[] = [
  { name: 'Cluster Service with an endpoint elsewhere: /32 to the peer', input: () => scenario(), want: { tor: ['198.51.100.10/32'] } },
  {
    name: 'pool not selected by any advert: nothing',
    input: () => scenario({ config: config({ pools: twoPools, bgpPeers: [peer('tor')], bgpAdvertisements: [bgpAdv('a', { ipAddressPools: ['other'] })] }) }),
    want: {}, skip: { service: 'default/web', ip: '198.51.100.10', reason: SkipReason.PoolNotAdvertised },
  },
  {
    name: 'advert for the other pool announces its IP',
    input: () => scenario({
      config: config({ pools: twoPools, bgpPeers: [peer('tor')], bgpAdvertisements: [bgpAdv('a', { ipAddressPools: ['other'] })] }),
      services: [service('web', ['203.0.113.7'])],
    }),
    want: { tor: ['203.0.113.7/32'] },
  },
  {
    name: 'stale pool annotation: the pool holding the IP decides',
    input: () => scenario({
      config: config({ pools: twoPools, bgpPeers: [peer('tor')], bgpAdvertisements: [bgpAdv('a', { ipAddressPools: ['default'] })] }),
      services: [service('web', ['198.51.100.10'], { pool: 'other' })],
    }),
    want: { tor: ['198.51.100.10/32'] },
  },
  {
    name: 'IP in no pool: nothing',
    input: () => scenario({ services: [service('web', ['203.0.113.9'])] }),
    want: {}, skip: { ip: '203.0.113.9', reason: SkipReason.NoPool },
  },
  {
    name: 'advert nodeSelectors miss this node',
    input: () => scenario({ config: config({ bgpPeers: [peer('tor')], bgpAdvertisements: [bgpAdv('a', { nodeSelectors: [{ matchLabels: { rack: 'r1' } }] })] }) }),
    want: {}, skip: { protocol: 'bgp', reason: SkipReason.NodeNotSelected },
  },
  {
    name: 'advert nodeSelectors match this node',
    input: () => scenario({
      config: config({ bgpPeers: [peer('tor')], bgpAdvertisements: [bgpAdv('a', { nodeSelectors: [{ matchLabels: { rack: 'r1' } }] })] }),
      nodes: [node('node-a', rack('r1')), node('node-b')],
    }),
    want: { tor: ['198.51.100.10/32'] },
  },
  {
    name: 'serviceSelectors miss the Service',
    input: () => scenario({ config: config({ bgpPeers: [peer('tor')], bgpAdvertisements: [bgpAdv('a', { serviceSelectors: [{ matchLabels: { tier: 'edge' } }] })] }) }),
    want: {}, skip: { protocol: 'bgp', reason: SkipReason.ServiceNotSelected },
  },
  {
    name: 'serviceSelectors match the Service',
    input: () => scenario({
      config: config({ bgpPeers: [peer('tor')], bgpAdvertisements: [bgpAdv('a', { serviceSelectors: [{ matchLabels: { tier: 'edge' } }] })] }),
      services: [service('web', ['198.51.100.10'], { labels: { tier: 'edge' } })],
    }),
    want: { tor: ['198.51.100.10/32'] },
  },
  {
    name: 'advert lists one peer: only that peer',
    input: () => scenario({ config: config({ bgpPeers: [peer('tor1'), peer('tor2', { peerAddress: '198.51.100.253' })], bgpAdvertisements: [bgpAdv('a', { peers: ['tor2'] })] }) }),
    want: { tor2: ['198.51.100.10/32'] },
  },
  {
    name: 'no listed peers: every peer whose nodeSelectors match this node',
    input: () => scenario({
      config: config({
        bgpPeers: [peer('tor1'), peer('tor2', { peerAddress: '198.51.100.253', nodeSelectors: [{ matchLabels: { rack: 'r2' } }] }), peer('tor3', { peerAddress: '198.51.100.252' })],
        bgpAdvertisements: [bgpAdv('a')],
      }),
    }),
    want: { tor1: ['198.51.100.10/32'], tor3: ['198.51.100.10/32'] },
  },
  {
    name: 'listed peer is for other nodes: nothing',
    input: () => scenario({ config: config({ bgpPeers: [peer('tor', { nodeSelectors: [{ matchLabels: { rack: 'r2' } }] })], bgpAdvertisements: [bgpAdv('a', { peers: ['tor'] })] }) }),
    want: {}, skip: { protocol: 'bgp', reason: SkipReason.NoPeers },
  },
  {
    name: 'aggregationLength 24 collapses two Services into one prefix',
    input: () => scenario({
      config: config({ bgpPeers: [peer('tor')], bgpAdvertisements: [bgpAdv('a', { aggregationLength: 24 })] }),
      services: [service('web', ['198.51.100.10']), service('api', ['198.51.100.20'])],
      endpointSlices: [slice('web', [{ node: 'node-b' }]), slice('api', [{ node: 'node-c' }])],
    }),
    want: { tor: ['198.51.100.0/24'] },
  },
  {
    name: 'IPv6 /128, and dual stack sorts IPv4 first',
    input: () => scenario({ services: [service('web', ['2001:DB8:0::10', '198.51.100.10'])] }),
    want: { tor: ['198.51.100.10/32', '2001:db8::10/128'] },
  },
  {
    name: 'aggregationLengthV6 64 masks the IPv6 address',
    input: () => scenario({
      config: config({ bgpPeers: [peer('tor')], bgpAdvertisements: [bgpAdv('a', { aggregationLengthV6: 64 })] }),
      services: [service('web', ['2001:db8::10']), service('api', ['2001:db8::20'])],
      endpointSlices: [slice('web', [{ node: 'node-b' }]), slice('api', [{ node: 'node-c' }])],
    }),
    want: { tor: ['2001:db8::/64'] },
  },
  {
    name: 'communities: aliases resolved, standard and large split and sorted',
    input: () => scenario({
      config: config({
        communities: [community('aliases', [['edge', '64512:100'], ['big', 'large:64512:1:2']])],
        bgpPeers: [peer('tor')],
        bgpAdvertisements: [bgpAdv('a', { communities: ['64512:200', 'big', 'edge', 'large:64512:0:9'] })],
      }),
    }),
    want: { tor: ['198.51.100.10/32 c=64512:100,64512:200 lc=64512:0:9,64512:1:2'] },
  },
  {
    name: 'localPref set',
    input: () => scenario({ config: config({ bgpPeers: [peer('tor')], bgpAdvertisements: [bgpAdv('a', { localPref: 150 })] }) }),
    want: { tor: ['198.51.100.10/32 lp=150'] },
  },
  {
    name: 'two adverts, same prefix and peer: communities union, the one localPref kept',
    input: () => scenario({
      config: config({
        bgpPeers: [peer('tor')],
        bgpAdvertisements: [
          bgpAdv('a', { communities: ['64512:1'], localPref: 120, nodeSelectors: [{ matchLabels: { rack: 'r1' } }] }),
          bgpAdv('b', { communities: ['64512:2', '64512:1'], nodeSelectors: [{ matchLabels: { zone: 'z1' } }] }),
        ],
      }),
      nodes: [node('node-a', { labels: { rack: 'r1', zone: 'z1' } }), node('node-b')],
    }),
    want: { tor: ['198.51.100.10/32 c=64512:1,64512:2 lp=120'] },
  },
  {
    name: 'two adverts with different localPrefs (selectors that overlap only on this node): the highest, always',
    input: () => scenario({
      config: config({
        bgpPeers: [peer('tor')],
        bgpAdvertisements: [bgpAdv('a', { localPref: 300, nodeSelectors: [{ matchLabels: { rack: 'r1' } }] }), bgpAdv('b', { localPref: 200, nodeSelectors: [{ matchLabels: { zone: 'z1' } }] })],
      }),
      nodes: [node('node-a', { labels: { rack: 'r1', zone: 'z1' } }), node('node-b')],
    }),
    want: { tor: ['198.51.100.10/32 lp=300'] },
  },
  {
    name: 'two adverts with different aggregation: both prefixes',
    input: () => scenario({ config: config({ bgpPeers: [peer('tor')], bgpAdvertisements: [bgpAdv('a'), bgpAdv('b', { aggregationLength: 24 })] }) }),
    want: { tor: ['198.51.100.0/24', '198.51.100.10/32'] },
  },
];

describe('planNode BGP', () => {
  for (const c of cases) it(c.name, () => { assertRoutes(c); });

  it('Services sent to the same peers share one frozen bgpServices entry', () => {
    const plan = planNode(scenario({
      config: config({ bgpPeers: [peer('tor'), peer('spine', { peerAddress: '198.51.100.253' })], bgpAdvertisements: [bgpAdv('all')] }),
      services: [service('a', ['198.51.100.10']), service('b', ['198.51.100.11'])],
      endpointSlices: [slice('a', [{ node: 'node-b' }]), slice('b', [{ node: 'node-b' }])],
    }));
    const a = plan.bgpServices.get('default/a');
    assert.deepEqual(a, { peers: ['spine', 'tor'] });
    assert.equal(plan.bgpServices.get('default/b'), a);
    assert.ok(Object.isFrozen(a) && Object.isFrozen(a!.peers));
  });

  it('routes are in the shape the BGP session takes', () => {
    const plan = planNode(scenario({ config: config({ bgpPeers: [peer('tor')], bgpAdvertisements: [bgpAdv('a', { communities: ['large:64512:1:2'] })] }) }));
    assert.deepEqual(plan.bgp.get('tor'), [{
      prefix: { family: 4, base: 0xc633640an, len: 32 },
      largeCommunities: [{ globalAdmin: 64512, localData1: 1, localData2: 2 }],
    }]);
  });
});

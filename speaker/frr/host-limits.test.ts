import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BgpAdvert } from '../../lib/config/index.ts';
import { mustParseCidr } from '../../lib/ip/index.ts';
import { hostFrrUnhonoured } from './host-limits.ts';

const advert = (name: string, over: Partial<BgpAdvert> = {}): BgpAdvert => ({
  name, pools: ['lab'], aggregationLength: 32, aggregationLengthV6: 128, localPref: 0, communities: [], peers: [],
  nodeSelectors: [], serviceSelectors: [], ...over,
});
const routes = new Map([['tor-a', [{ prefix: mustParseCidr('203.0.113.1/32') }]]]);
const dynamic = { ipv4: 'dynamic', ipv6: 'dynamic' } as const;

test('dynamic mode honours communities, large communities and local-pref, and peers that name every BGPPeer of the node', () => {
  const adverts = [
    advert('attrs', { localPref: 200, communities: [{ kind: 'standard', asn: 64512, value: 1 }, { kind: 'large', global: 1, local1: 2, local2: 3 }] }),
    advert('all-peers', { peers: ['tor-b', 'tor-a', 'elsewhere'] }),
  ];
  assert.deepEqual(hostFrrUnhonoured({ adverts, peers: ['tor-a', 'tor-b'], routes, modes: dynamic }), []);
});

test('peers naming only some of the node\'s BGPPeers, and aggregation, are warnings naming the object and field', () => {
  const adverts = [advert('to-a', { peers: ['tor-a'] }), advert('agg', { aggregationLength: 24, aggregationLengthV6: 64 })];
  const w = hostFrrUnhonoured({ adverts, peers: ['tor-a', 'tor-b'], routes, modes: dynamic });
  assert.deepEqual(w.map((x) => `${x.kind}/${x.name} ${x.field}`), [
    'BGPAdvertisement/to-a spec.peers', 'BGPAdvertisement/agg spec.aggregationLength', 'BGPAdvertisement/agg spec.aggregationLengthV6',
  ]);
  assert.match(w[0]!.message, /not honoured by --bgp-backend host-frr: .*also to BGPPeer tor-b \(not listed\)/);
  assert.match(w[1]!.message, /\/32\), so these IPv4 Service IPs are not announced/);
});

test('connected mode: communities and local-pref are warnings for the family it serves, only when that family has prefixes', () => {
  const adverts = [
    advert('attrs', { localPref: 200, communities: [{ kind: 'large', global: 1, local1: 2, local2: 3 }] }),
    advert('plain'),
  ];
  const w = hostFrrUnhonoured({ adverts, peers: ['tor-a'], routes, modes: { ipv4: 'connected', ipv6: 'dynamic' } });
  assert.deepEqual(w.map((x) => `${x.name} ${x.field}`), ['attrs spec.communities', 'attrs spec.localPref']);
  assert.match(w[0]!.message, /^large communities not applied to IPv4 Service IPs by --bgp-backend host-frr: the node's FRR redistributes connected routes for IPv4/);
  assert.match(w[1]!.message, /^local-pref 200 not applied/);
  assert.deepEqual(hostFrrUnhonoured({ adverts, peers: ['tor-a'], routes, modes: { ipv4: 'dynamic', ipv6: 'connected' } }), [], 'no IPv6 prefix planned');
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BgpAdvert, BgpPeer } from '../../lib/config/index.ts';
import { mustParseCidr, mustParseIp } from '../../lib/ip/index.ts';
import { hostFrrPeerMismatches, hostFrrUnhonoured } from './host-limits.ts';
import type { FrrNeighborFacts } from './sessions.ts';

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

test('BGPPeer fields against the node\'s FRR neighbour: what differs, and what cannot be applied, are warnings naming the object and field', () => {
  const base: BgpPeer = {
    name: 'tor', myASN: 64512, peerASN: 64500, dynamicASN: undefined, localASN: undefined, peerAddress: mustParseIp('198.51.100.2'), interface: undefined,
    sourceAddress: undefined, peerPort: 179, holdTimeMs: 9_000, keepaliveTimeMs: 3_000, connectTimeMs: undefined, routerID: undefined, nodeSelectors: [],
    password: undefined, bfdProfile: undefined, enableGracefulRestart: false, ebgpMultiHop: false, vrf: '', disableMP: false, dualStackAddressFamily: false,
  };
  const agreeing: FrrNeighborFacts = { state: 'Established', prefixesSent: 1, localAs: 64512, remoteAs: 64500, configuredHoldMs: 9_000, configuredKeepaliveMs: 3_000 };
  const neighbors = new Map([['198.51.100.2', agreeing]]);
  assert.deepEqual(hostFrrPeerMismatches([base], neighbors), [], 'the BGPPeer says what FRR runs');
  assert.deepEqual(hostFrrPeerMismatches([{ ...base, peerAddress: mustParseIp('198.51.100.9') }], neighbors), [], 'a neighbour FRR lacks is the session\'s own error');

  const bfd = { name: 'fast', receiveIntervalMs: 300, transmitIntervalMs: 300, detectMultiplier: 3, echoIntervalMs: 50, echoMode: false, passiveMode: false, minimumTtl: undefined } as unknown as BgpPeer['bfdProfile'];
  const w = hostFrrPeerMismatches([{ ...base, myASN: 64513, peerASN: 64501, holdTimeMs: 90_000, keepaliveTimeMs: 30_000, bfdProfile: bfd, password: 'x', ebgpMultiHop: true, peerPort: 1179 }],
    new Map([['198.51.100.2', { ...agreeing, configuredHoldMs: 180_000, configuredKeepaliveMs: 60_000 }]]));
  assert.deepEqual(w.map((x) => `${x.kind}/${x.name} ${x.field}`), [
    'BGPPeer/tor spec.myASN', 'BGPPeer/tor spec.peerASN', 'BGPPeer/tor spec.holdTime', 'BGPPeer/tor spec.keepaliveTime', 'BGPPeer/tor spec.bfdProfile',
    'BGPPeer/tor spec.password', 'BGPPeer/tor spec.ebgpMultiHop', 'BGPPeer/tor spec.peerPort',
  ]);
  assert.match(w[0]!.message, /^myASN 64513 is not what the node's FRR runs: its neighbor 198\.51\.100\.2 has local AS 64512; .*--bgp-backend host-frr/);
  assert.match(w[2]!.message, /holdTime 90s .* hold time 180s/);
  assert.match(w[4]!.message, /bfdProfile fast .* has no BFD/);
  assert.match(w[5]!.message, /TCP-MD5 password .* not applied: .* set it in FRR's configuration/);
  // FRR running BFD for the neighbour satisfies a bfdProfile.
  assert.deepEqual(hostFrrPeerMismatches([{ ...base, bfdProfile: bfd }], new Map([['198.51.100.2', { ...agreeing, bfdState: 'Up' }]])), []);
});

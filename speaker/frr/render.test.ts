// The renderer against golden files (speaker/frr/fixtures/render-*.conf; regenerate with
// PORTSIDE_UPDATE_FIXTURES=1 and read the diff). render-fixtures.test.ts runs each through
// FRR's own parser.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { buildConfig, type BgpPeer } from '../../lib/config/index.ts';
import { bfd, input, peer, pool } from '../../lib/config/testing.ts';
import { mustParseCidr } from '../../lib/ip/index.ts';
import type { AnnouncedRoute } from '../bgp/index.ts';
import { renderFrrConfig, type FrrRenderInput } from './render.ts';

function peers(...objects: ReturnType<typeof peer>[]): BgpPeer[] {
  const r = buildConfig(input({
    bgpBackend: 'frr', pools: [pool('p', { addresses: ['203.0.113.0/24'] })], bgpPeers: objects,
    bfdProfiles: [bfd('fast', { receiveInterval: 100, transmitInterval: 100, detectMultiplier: 5 }), bfd('echo', { echoMode: true, echoInterval: 60, passiveMode: true, minimumTtl: 250 })],
    secrets: [{ metadata: { name: 'tor-pw', namespace: 'portside-system' }, type: 'kubernetes.io/basic-auth', stringData: { password: 's3cret!word' } }],
  }));
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  return [...r.config.bgpPeers.values()];
}

const route = (prefix: string, attrs: Omit<AnnouncedRoute, 'prefix'> = {}): AnnouncedRoute => ({ prefix: mustParseCidr(prefix), ...attrs });
const identity = { name: 'node1', addresses: ['198.51.100.3', '2001:db8::3'] };

const cases: Record<string, FrrRenderInput> = {
  empty: { peers: [], identity, routes: new Map(), cordoned: false },
  basic: {
    peers: peers(peer('tor', { myASN: 64513, peerASN: 64512, peerAddress: '198.51.100.2' })),
    identity,
    routes: new Map([['tor', [route('203.0.113.1/32'), route('203.0.113.7/32')]]]),
    cordoned: false,
  },
  full: {
    peers: peers(
      peer('tor-a', { myASN: 64513, peerASN: 64512, peerAddress: '198.51.100.2', bfdProfile: 'fast', holdTime: '9s', keepaliveTime: '3s', connectTime: '2s', passwordSecret: { name: 'tor-pw' }, enableGracefulRestart: true }),
      peer('tor-b', { myASN: 64513, dynamicASN: 'external', peerASN: undefined, peerAddress: '2001:db8::2', localASN: 65010, routerID: '10.0.0.1', dualStackAddressFamily: true }),
      peer('far', { myASN: 64513, peerASN: 64600, peerAddress: '203.0.113.250', ebgpMultiHop: true, bfdProfile: 'fast', sourceAddress: '198.51.100.3', peerPort: 1790, holdTime: '0s' }),
      peer('red', { myASN: 64520, peerASN: 64512, peerAddress: '198.51.100.2', vrf: 'red', password: 'pw' }),
      peer('unnumbered', { myASN: 64513, peerASN: undefined, dynamicASN: 'internal', peerAddress: undefined, interface: 'eth1', bfdProfile: 'echo', disableMP: true }),
    ),
    identity,
    routes: new Map([
      ['tor-a', [route('203.0.113.1/32', { communities: [64512 * 65536 + 100, 0xffffff01] }), route('203.0.113.7/32', { localPref: 200, largeCommunities: [{ globalAdmin: 64512, localData1: 1, localData2: 2 }] }), route('203.0.113.9/32', { communities: [64512 * 65536 + 100, 0xffffff01] })]],
      ['tor-b', [route('203.0.113.1/32'), route('2001:db8:1::5/128', { communities: [64512 * 65536 + 6] })]],
      ['red', [route('203.0.113.0/24')]],
      ['unnumbered', [route('203.0.113.7/32', { med: 5 }), route('2001:db8:1::5/128')]],
    ]),
    cordoned: true,
  },
  conflicts: {
    peers: peers(
      peer('a', { myASN: 64513, peerASN: 64512, peerAddress: '198.51.100.2', routerID: '10.0.0.1' }),
      peer('b', { myASN: 64514, peerASN: 64512, peerAddress: '198.51.100.4' }),
      peer('c', { myASN: 64513, peerASN: 64512, peerAddress: '198.51.100.5', routerID: '10.0.0.2' }),
    ),
    identity,
    routes: new Map([['a', [route('203.0.113.1/32')]], ['b', [route('203.0.113.2/32')]]]),
    cordoned: false,
  },
};

for (const [name, c] of Object.entries(cases)) {
  test(`frr.conf golden file: ${name}`, () => {
    const file = new URL(`./fixtures/render-${name}.conf`, import.meta.url);
    const got = renderFrrConfig(c).config;
    if (process.env.PORTSIDE_UPDATE_FIXTURES) writeFileSync(file, got);
    assert.equal(got, readFileSync(file, 'utf8'));
  });
}

test('the output does not depend on the order of peers or routes', () => {
  const c = cases.full!;
  const shuffled: FrrRenderInput = {
    ...c,
    peers: [...c.peers].reverse(),
    routes: new Map([...c.routes].reverse().map(([k, v]) => [k, [...v].reverse()])),
  };
  assert.equal(renderFrrConfig(shuffled).config, renderFrrConfig(c).config);
});

test('a peer that contradicts its VRF\'s instance is left out, with the field and the other peer named', () => {
  const { config, skipped } = renderFrrConfig(cases.conflicts!);
  assert.deepEqual([...skipped.keys()], ['b', 'c']);
  assert.match(skipped.get('b')!, /spec\.myASN 64514 differs from 64513 of BGPPeer a in the default VRF/);
  assert.match(skipped.get('c')!, /spec\.routerID 10\.0\.0\.2 differs from 10\.0\.0\.1 of BGPPeer a/);
  assert.ok(!config.includes('198.51.100.4') && !config.includes('198.51.100.5') && !config.includes('203.0.113.2/32'));
});

test('each neighbour gets exactly its prefixes, with their attributes', () => {
  const { config, skipped } = renderFrrConfig(cases.full!);
  assert.equal(skipped.size, 0);
  // tor-a: two attribute groups; 203.0.113.1 and .9 share one prefix-list.
  assert.match(config, /ip prefix-list portside-tor-a-ipv4-10 seq 5 permit 203\.0\.113\.1\/32\nip prefix-list portside-tor-a-ipv4-10 seq 10 permit 203\.0\.113\.9\/32\n/);
  assert.match(config, /route-map portside-tor-a-ipv4-out permit 10\n match ip address prefix-list portside-tor-a-ipv4-10\n set community 64512:100 no-export\nexit/);
  assert.match(config, /route-map portside-tor-a-ipv4-out permit 20\n match ip address prefix-list portside-tor-a-ipv4-20\n set large-community 64512:1:2\n set local-preference 200\nexit/);
  // The VRF instance announces only its own peer's prefix.
  assert.match(config, /router bgp 64520 vrf red\n(?: .*\n)* address-family ipv4 unicast\n {2}network 203\.0\.113\.0\/24\n {2}neighbor 198\.51\.100\.2 activate/);
  // A one-family session is not activated in the other family.
  assert.ok(!/address-family ipv6 unicast(?:\n {2}.*)*\n {2}neighbor 198\.51\.100\.2 activate/.test(config));
});

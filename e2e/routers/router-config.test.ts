// Pure checks of the config renderers and the birdc parser (no root, no routers).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseBirdProtocols, parseBirdRoutes, renderBirdConfig } from './bird.ts';
import { renderFrrConfig } from './frr-config.ts';
import { renderGobgpConfig } from './gobgp.ts';

test('FRR config activates each peer only in its family and turns off blocking defaults', () => {
  const conf = renderFrrConfig({
    asn: 64512,
    routerId: '198.51.100.11',
    maximumPaths: 4,
    bfdProfiles: [{ name: 'fast', receiveIntervalMs: 300, transmitIntervalMs: 300, detectMultiplier: 3 }],
    listenRanges: [
      { range: '198.51.100.0/24', peerGroup: 'V4', remoteAs: 'external', bfdProfile: 'fast' },
      { range: '2001:db8:100::/64', peerGroup: 'V6', remoteAs: 64600, password: 's3cret' },
    ],
    networks: ['203.0.113.1/32'],
  });
  for (const line of [
    ' no bgp ebgp-requires-policy',
    ' no bgp default ipv4-unicast',
    ' bgp listen range 198.51.100.0/24 peer-group V4',
    ' neighbor V4 bfd profile fast',
    ' neighbor V6 password s3cret',
    '  detect-multiplier 3',
    '  network 203.0.113.1/32',
    '  maximum-paths 4',
  ]) {
    assert.ok(conf.split('\n').includes(line), `missing ${JSON.stringify(line)} in\n${conf}`);
  }
  const v4 = conf.slice(conf.indexOf('address-family ipv4'), conf.indexOf('address-family ipv6'));
  const v6 = conf.slice(conf.indexOf('address-family ipv6'));
  assert.match(v4, /neighbor V4 activate/);
  assert.doesNotMatch(v4, /neighbor V6 activate/);
  assert.match(v6, /neighbor V6 activate/);
});

test('FRR config: an unnumbered neighbour is `neighbor IFNAME interface`, active in both families', () => {
  const conf = renderFrrConfig({ asn: 64514, routerId: '198.51.100.9', neighbors: [{ address: 'eth1', interface: true, remoteAs: 'external' }] });
  assert.ok(conf.split('\n').includes(' neighbor eth1 interface remote-as external'), conf);
  for (const afi of ['ipv4', 'ipv6']) {
    const block = conf.slice(conf.indexOf(`address-family ${afi}`));
    assert.match(block.slice(0, block.indexOf('exit-address-family')), /neighbor eth1 activate/, `${afi} in\n${conf}`);
  }
});

test('GoBGP config lists one afi-safi per neighbor family', () => {
  const conf = renderGobgpConfig({
    asn: 64513,
    routerId: '198.51.100.12',
    neighbors: [{ address: '2001:db8:100::11', peerAs: 64512, password: 'x' }],
  });
  assert.match(conf, /neighbor-address = "2001:db8:100::11"/);
  assert.match(conf, /afi-safi-name = "ipv6-unicast"/);
  assert.doesNotMatch(conf, /ipv4-unicast/);
  assert.match(conf, /auth-password = "x"/);
});

test('BIRD config originates statics and shortens the start-up timers', () => {
  const conf = renderBirdConfig({
    asn: 64514,
    routerId: '198.51.100.13',
    neighbors: [{ name: 'tor4', address: '198.51.100.11', peerAs: 64512 }],
    announce: ['203.0.113.13/32', '2001:db8:ff::13/128'],
  });
  assert.match(conf, /route 203\.0\.113\.13\/32 blackhole;/);
  assert.match(conf, /route 2001:db8:ff::13\/128 blackhole;/);
  assert.match(conf, /protocol bgp tor4 \{[^}]*connect delay time 1;/);
  assert.match(conf, /local as 64514;/);
});

test('parseBirdRoutes reads prefixes, protocols, primaries and next hops', () => {
  // Captured from `birdc show route all` (BIRD 2.0.12) in the router self-test.
  const text = [
    'BIRD 2.0.12 ready.',
    'Table master4:',
    '203.0.113.12/32      unicast [tor4 15:44:13.693 from 198.51.100.11] * (100) [AS64513?]',
    '\tvia 198.51.100.12 on eth0',
    '\tType: BGP univ',
    '\tBGP.as_path: 64512 64513',
    '                     unicast [tor4b 15:44:14.000] (100) [AS64513?]',
    '\tvia 198.51.100.14 on eth0',
    '203.0.113.13/32      blackhole [static_ipv4 15:44:05.811] * (200)',
    '\tType: static univ',
    '',
    'Table master6:',
    '2001:db8:ff::12/128  unicast [tor6 15:44:13.693 from 2001:db8:100::11] * (100) [AS64513?]',
    '\tvia 2001:db8:100::12 on eth0',
  ].join('\n');
  assert.deepEqual(parseBirdRoutes(text), [
    { prefix: '203.0.113.12/32', protocol: 'tor4', primary: true, via: ['198.51.100.12'] },
    { prefix: '203.0.113.12/32', protocol: 'tor4b', primary: false, via: ['198.51.100.14'] },
    { prefix: '203.0.113.13/32', protocol: 'static_ipv4', primary: true, via: [] },
    { prefix: '2001:db8:ff::12/128', protocol: 'tor6', primary: true, via: ['2001:db8:100::12'] },
  ]);
});

test('parseBirdProtocols reads the show protocols table', () => {
  const text = [
    'BIRD 2.0.12 ready.',
    'Name       Proto      Table      State  Since         Info',
    'device1    Device     ---        up     15:44:05.811  ',
    'tor4       BGP        ---        up     15:44:06.002  Established   ',
    'tor6       BGP        ---        start  2026-11-23 15:44:06  Active        Socket: Connection refused',
  ].join('\n');
  assert.deepEqual(parseBirdProtocols(text), [
    { name: 'device1', proto: 'Device', table: '---', state: 'up', info: '' },
    { name: 'tor4', proto: 'BGP', table: '---', state: 'up', info: 'Established' },
    { name: 'tor6', proto: 'BGP', table: '---', state: 'start', info: 'Active        Socket: Connection refused' },
  ]);
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseRunningConfig } from './running-config.ts';

const fixture = readFileSync(new URL('./fixtures/running-config-dynamic.txt', import.meta.url), 'utf8');

test('FRR 8.4 running-config: the default VRF\'s router bgp, its networks and redistribute connected per family', () => {
  const r = parseRunningConfig(fixture);
  assert.ok(r.ok, r.ok ? '' : r.error);
  assert.deepEqual(r.config, {
    version: '8.4.4',
    bgp: {
      asn: 64513,
      importCheckOff: true,
      families: {
        ipv4: { networks: ['203.0.113.1/32', '10.1.0.0/24'], networkRouteMaps: {}, redistributeConnected: false },
        ipv6: { networks: ['2001:db8:ff::1/128'], networkRouteMaps: {}, redistributeConnected: true },
      },
    },
    routeMaps: {},
  }, 'the VRF instance and the evpn family are left out');
});

test('with `bgp default ipv4-unicast`, IPv4 lines outside an address-family block are IPv4 unicast', () => {
  const r = parseRunningConfig(['frr version 8.4.4', 'router bgp 65000', ' network 203.0.113.7/32', ' redistribute connected', 'exit', 'end'].join('\n'));
  assert.ok(r.ok);
  assert.deepEqual(r.config.bgp.families.ipv4, { networks: ['203.0.113.7/32'], networkRouteMaps: {}, redistributeConnected: true });
  assert.equal(r.config.bgp.importCheckOff, false);
});

test('malformed or unexpected output is an error value, never a guess', () => {
  const cases: [string, RegExp][] = [
    ['', /no closing "end"/],
    ['% Unknown command: show running-config', /no closing "end"/],
    ['Building configuration...\n!\nrouter bgp 64513\n address-family ipv4 unicast\n  network 203.0.113.1/32\n', /no closing "end"/],
    ['frr version 8.4.4\n!\nend\n', /no "router bgp" for the default VRF/],
    ['router bgp 64513 vrf red\nexit\nend\n', /no "router bgp" for the default VRF/],
    ['router bgp\nexit\nend\n', /line 1: "router bgp" has no valid AS number/],
    ['router bgp 99999999999\nexit\nend\n', /no valid AS number/],
    ['router bgp 1\nexit\nrouter bgp 2\nexit\nend\n', /a second "router bgp"/],
    ['router bgp 1\n address-family ipv4 unicast\n  network 203.0.113.300/32\n exit-address-family\nexit\nend\n', /line 3: "network 203.0.113.300\/32"/],
    ['router bgp 1\n address-family ipv6 unicast\n  network 203.0.113.3/32\n exit-address-family\nexit\nend\n', /in the ipv6 address family/],
    ['\u0000\u0001garbage\nend', /no "router bgp"/],
  ];
  for (const [text, error] of cases) {
    const r = parseRunningConfig(text);
    assert.ok(!r.ok, `accepted: ${JSON.stringify(text)}`);
    assert.match(r.error, error);
    assert.match(r.error, /^FRR running-config: /);
  }
});

test('random bytes never throw', () => {
  const chars = 'router bgp 64513\n address-family ipv4 unicast\n network /32:.\nexit end!';
  for (let i = 0; i < 2000; i++) {
    let text = '';
    for (let j = 0; j < 80; j++) text += chars[Math.floor(Math.random() * chars.length)];
    const r = parseRunningConfig(text);
    assert.equal(typeof r.ok, 'boolean');
  }
});

test('Portside\'s route-maps (named portside-…) and the route-map of each network line; the operator\'s route-maps are not read', () => {
  const r = parseRunningConfig([
    'frr version 8.4.4',
    'router bgp 64513',
    ' address-family ipv4 unicast',
    '  network 203.0.113.1/32 route-map portside-0123456789abcdef',
    '  network 203.0.113.2/32',
    '  network 10.1.0.0/24 route-map OPERATOR',
    ' exit-address-family',
    'exit',
    '!',
    'route-map OPERATOR permit 10',
    ' set community 1:1',
    'exit',
    '!',
    'route-map portside-0123456789abcdef permit 10',
    ' set community 64512:100 graceful-shutdown additive',
    ' set local-preference 200',
    'exit',
    '!',
    'route-map portside-feed deny 20',
    '!',
    'end',
  ].join('\n'));
  assert.ok(r.ok, r.ok ? '' : r.error);
  assert.deepEqual(r.config.bgp.families.ipv4.networkRouteMaps, { '203.0.113.1/32': 'portside-0123456789abcdef', '10.1.0.0/24': 'OPERATOR' });
  assert.deepEqual(r.config.bgp.families.ipv4.networks, ['203.0.113.1/32', '203.0.113.2/32', '10.1.0.0/24']);
  assert.deepEqual(r.config.routeMaps, {
    'portside-0123456789abcdef': [{ action: 'permit', seq: 10, lines: ['set community 64512:100 graceful-shutdown additive', 'set local-preference 200'] }],
    'portside-feed': [{ action: 'deny', seq: 20, lines: [] }],
  });
});

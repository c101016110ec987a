import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildConfig } from './build.ts';
import { type ErrorCase, assertCase, bfd, input, peer } from './testing.ts';

const K = 'BGPPeer';
const ebgp = { myASN: 64512, peerASN: 64513 };
const FRR = /--bgp-backend frr/;

const cases: ErrorCase[] = [
  { name: 'vrf is refused, naming the FRR backend', input: input({ bgpPeers: [peer('p', { vrf: 'red' })] }), want: { kind: K, name: 'p', field: 'spec.vrf', message: FRR } },
  { name: 'interface (unnumbered) is refused, naming the FRR backend', input: input({ bgpPeers: [peer('p', { peerAddress: undefined, interface: 'eth1' })] }),
    want: { kind: K, name: 'p', field: 'spec.interface', message: FRR } },
  { name: 'ebgpMultiHop alone is honoured (TTL 255 on the connect)', input: input({ bgpPeers: [peer('p', { ...ebgp, ebgpMultiHop: true })] }) },
  { name: 'ebgpMultiHop with BFD would need multi-hop BFD: refused', input: input({ bgpPeers: [peer('p', { ...ebgp, ebgpMultiHop: true, bfdProfile: 'b' })], bfdProfiles: [bfd('b')] }),
    want: { kind: K, name: 'p', field: 'spec.bfdProfile', message: FRR } },
  { name: 'disableMP alone: one family per session, as without dualStackAddressFamily', input: input({ bgpPeers: [peer('p', { disableMP: true })] }) },
  { name: 'disableMP with dualStackAddressFamily contradict', input: input({ bgpPeers: [peer('p', { disableMP: true, dualStackAddressFamily: true })] }),
    want: { kind: K, name: 'p', field: 'spec.disableMP', message: /dualStackAddressFamily/ } },
  { name: 'echoMode is refused, naming the FRR backend', input: input({ bfdProfiles: [bfd('b', { echoMode: true })] }), want: { kind: 'BFDProfile', name: 'b', field: 'spec.echoMode', message: FRR } },
  { name: 'echoInterval without echoMode: a warning', input: input({ bfdProfiles: [bfd('b', { echoInterval: 100 })] }),
    warning: { kind: 'BFDProfile', name: 'b', field: 'spec.echoInterval', message: /no effect/ } },
  { name: 'minimumTtl: a warning (multi-hop only)', input: input({ bfdProfiles: [bfd('b', { minimumTtl: 10 })] }),
    warning: { kind: 'BFDProfile', name: 'b', field: 'spec.minimumTtl', message: /multi-hop/ } },
];

test('fields the native speaker cannot honour are refused or reported (table)', () => {
  for (const c of cases) assertCase(c, buildConfig(c.input));
});

test('a plain profile and peer carry no warning', () => {
  const r = buildConfig(input({ bgpPeers: [peer('p', { bfdProfile: 'b' })], bfdProfiles: [bfd('b', { receiveInterval: 100 })] }));
  assert.ok(r.ok);
  assert.deepEqual(r.warnings, []);
});

const frr = { bgpBackend: 'frr' as const };

test('--bgp-backend frr honours vrf, unnumbered, multi-hop BFD and echo mode', () => {
  const r = buildConfig(input({
    ...frr,
    bgpPeers: [peer('v', { vrf: 'red' }), peer('u', { peerAddress: undefined, interface: 'eth1' }), peer('m', { ...ebgp, ebgpMultiHop: true, bfdProfile: 'b' })],
    bfdProfiles: [bfd('b', { echoMode: true, echoInterval: 100, minimumTtl: 10 })],
  }));
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  assert.deepEqual(r.warnings, [], 'minimumTtl and echoInterval have an effect in FRR');
  assert.equal(r.config.bgpPeers.get('v')?.vrf, 'red');
});

test('--bgp-backend frr refuses what an FRR configuration line cannot carry, and the contradictions of every backend', () => {
  const cases: ErrorCase[] = [
    { name: 'a password with a line break', input: input({ ...frr, bgpPeers: [peer('p', { password: 'a\nb' })] }), want: { kind: K, name: 'p', field: 'spec.password', message: /neighbor X password WORD/ } },
    { name: 'a password with a space', input: input({ ...frr, bgpPeers: [peer('p', { password: 'a b' })] }), want: { kind: K, name: 'p', field: 'spec.password', message: /whitespace/ } },
    { name: 'punctuation is fine', input: input({ ...frr, bgpPeers: [peer('p', { password: 'a!#b$"' })] }) },
    { name: 'disableMP with dualStackAddressFamily', input: input({ ...frr, bgpPeers: [peer('p', { disableMP: true, dualStackAddressFamily: true })] }),
      want: { kind: K, name: 'p', field: 'spec.disableMP', message: /dualStackAddressFamily/ } },
  ];
  for (const c of cases) assertCase(c, buildConfig(c.input));
});

test('host-frr keeps the native rules; the controller (no BGP) leaves them to the speakers', () => {
  assertCase({ name: 'host-frr vrf', input: input({ bgpBackend: 'host-frr', bgpPeers: [peer('p', { vrf: 'red' })] }), want: { kind: K, name: 'p', field: 'spec.vrf', message: FRR } },
    buildConfig(input({ bgpBackend: 'host-frr', bgpPeers: [peer('p', { vrf: 'red' })] })));
  assertCase({ name: 'host-frr names itself', input: input({ bgpBackend: 'host-frr', bgpPeers: [peer('p', { vrf: 'red' })] }), want: { kind: K, name: 'p', field: 'spec.vrf', message: /not supported by the host-frr backend/ } },
    buildConfig(input({ bgpBackend: 'host-frr', bgpPeers: [peer('p', { vrf: 'red' })] })));
  const none = buildConfig(input({ bgpBackend: 'none', bgpPeers: [peer('p', { vrf: 'red' })], bfdProfiles: [bfd('b', { echoMode: true })] }));
  assert.ok(none.ok, JSON.stringify(!none.ok && none.errors));
});

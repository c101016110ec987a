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

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BgpPeer } from '../../lib/config/index.ts';
import { mustParseIp } from '../../lib/ip/index.ts';
import { frrPeerSessions, hostNeighbors, parseNeighbors } from './sessions.ts';

const peer = (name: string, address: string, bfd = false): BgpPeer => ({
  name, peerAddress: mustParseIp(address), interface: undefined,
  ...(bfd ? { bfdProfile: { name: 'fast' } } : { bfdProfile: undefined }),
}) as unknown as BgpPeer;

const NEIGHBORS = JSON.stringify({
  '198.51.100.2': {
    remoteAs: 64512, localAs: 64500, bgpTimerConfiguredHoldTimeMsecs: 9000, bgpTimerConfiguredKeepAliveIntervalMsecs: 3000, bgpState: 'Established', peerBfdInfo: { status: 'Up' },
    addressFamilyInfo: { ipv4Unicast: { acceptedPrefixCounter: 0, sentPrefixCounter: 3 } },
  },
  '2001:db8:1::2': { remoteAs: 64512, bgpState: 'Active', lastResetDueTo: 'Waiting for peer OPEN', addressFamilyInfo: { ipv6Unicast: {} } },
});

test('BGPPeers map to FRR neighbours by address: state, BFD, prefixes sent, last error', () => {
  const parsed = parseNeighbors(NEIGHBORS);
  assert.ok(parsed.ok);
  const views = frrPeerSessions([peer('tor', '198.51.100.2', true), peer('tor6', '2001:db8:1::2'), peer('ghost', '198.51.100.99')], hostNeighbors(parsed.neighbors));
  assert.deepEqual(views[0], { name: 'tor', peerAddress: '198.51.100.2', state: 'Established', prefixesSent: 3, established: true, bfd: { state: 'Up' } });
  assert.deepEqual(views[1], { name: 'tor6', peerAddress: '2001:db8:1::2', state: 'Active', prefixesSent: 0, established: false, lastError: 'Waiting for peer OPEN' });
  assert.equal(views[2]?.state, 'Idle');
  // What FRR's configuration says of the session, for host-frr's comparison with the BGPPeer.
  assert.deepEqual(parsed.neighbors.get('198.51.100.2'), { state: 'Established', prefixesSent: 3, bfdState: 'Up', localAs: 64500, remoteAs: 64512, configuredHoldMs: 9000, configuredKeepaliveMs: 3000 });
  assert.match(views[2]?.configError ?? '', /the node's FRR has no neighbor 198\.51\.100\.99/);
});

test('output that is not FRR\'s neighbour JSON is an error value', () => {
  for (const [text, error] of [
    ['{"198.51.100.2": {"bgpState": "Bogus"}}', /bgpState "Bogus"/],
    ['[1,2]', /not a JSON object/],
    ['% BGP instance not found', /not JSON/],
  ] as const) {
    const r = parseNeighbors(text);
    assert.ok(!r.ok);
    assert.match(r.error, error);
  }
  const empty = parseNeighbors('');
  assert.ok(empty.ok && empty.neighbors.size === 0, 'no BGP neighbours: an empty answer');
});

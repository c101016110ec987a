import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NodePlan } from '../planner/index.ts';
import { announcedIps, desiredSessionStates, desiredStatuses, heldThroughRestart, statusObjectName } from './desired.ts';

const plan = (over: Partial<NodePlan> = {}): NodePlan => ({ bgp: new Map(), bgpServices: new Map(), l2: [], l2Owned: [], skipped: [], ...over });

test('statusObjectName: deterministic, ≤ 63 chars, valid name, differs per service and node', () => {
  const a = statusObjectName('node-1', 'ns/web');
  assert.equal(a, statusObjectName('node-1', 'ns/web'));
  assert.notEqual(a, statusObjectName('node-1', 'ns/api'));
  assert.notEqual(a, statusObjectName('node-2', 'ns/web'));
  const long = statusObjectName(`${'n'.repeat(50)}.example-.com`, 'ns/web');
  assert.ok(long.length <= 63);
  assert.match(long, /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
});

test('desiredStatuses: BGP peers and L2 interfaces per announced Service', () => {
  const l2Entry = { ip: '198.51.100.10', services: ['ns/web', 'ns/api'], interfaces: [], candidates: [{ node: 'n1', weight: 0 }], owner: 'n1' };
  const got = desiredStatuses('n1', plan({
    bgpServices: new Map([['ns/web', { peers: ['tor-b', 'tor-a'] }], ['ns/none', { peers: [] }]]),
    l2: [l2Entry],
    l2Owned: [l2Entry],
  }), () => [{ name: 'eth0' }]);
  const bgp = got.filter((d) => d.kind === 'ServiceBGPStatus');
  assert.equal(bgp.length, 1);
  assert.deepEqual(bgp[0]!.status, { node: 'n1', serviceName: 'web', serviceNamespace: 'ns', peers: ['tor-a', 'tor-b'] });
  assert.deepEqual(bgp[0]!.labels, { 'portside.dev/node': 'n1', 'portside.dev/service-name': 'web', 'portside.dev/service-namespace': 'ns' });
  const l2 = got.filter((d) => d.kind === 'ServiceL2Status').map((d) => [d.status.serviceName, d.status.interfaces]);
  assert.deepEqual(l2, [['web', [{ name: 'eth0' }]], ['api', [{ name: 'eth0' }]]]);
});

test('announcedIps: BGP IPs minus those skipped for BGP; L2 owned IPs', () => {
  const got = announcedIps(plan({
    bgpServices: new Map([['ns/web', { peers: ['tor'] }]]),
    skipped: [{ service: 'ns/web', ip: '2001:db8::1', protocol: 'bgp', reason: 'noPeers' }],
    l2Owned: [{ ip: '198.51.100.20', services: ['ns/api'], interfaces: [], candidates: [], owner: 'n1' }],
  }), () => ['198.51.100.10', '2001:db8::1']);
  assert.deepEqual(Object.fromEntries(got), { 'ns/web': { bgp: ['198.51.100.10'], l2: [] }, 'ns/api': { bgp: [], l2: ['198.51.100.20'] } });
});

test('heldThroughRestart: ServiceBGPStatus for the graceful-restart peers only, no ServiceL2Status', () => {
  const l2Entry = { ip: '198.51.100.10', services: ['ns/api'], interfaces: [], candidates: [{ node: 'n1', weight: 0 }], owner: 'n1' };
  const before = plan({
    bgpServices: new Map([['ns/web', { peers: ['tor-gr', 'tor-plain'] }], ['ns/only-plain', { peers: ['tor-plain'] }]]),
    l2: [l2Entry],
    l2Owned: [l2Entry],
  });
  const got = desiredStatuses('n1', heldThroughRestart(before, ['tor-gr']), () => [{ name: 'eth0' }]);
  assert.deepEqual(got.map((d) => [d.kind, d.status.serviceName, d.status.peers]), [['ServiceBGPStatus', 'web', ['tor-gr']]]);
});

test('desiredStatuses: an interface keeps the MAC the responder answers with', () => {
  const l2Entry = { ip: '198.51.100.10', services: ['ns/web'], interfaces: ['eth1'], candidates: [{ node: 'n1', weight: 0 }], owner: 'n1' };
  const got = desiredStatuses('n1', plan({ l2: [l2Entry], l2Owned: [l2Entry] }), () => [{ name: 'eth1', mac: '02:00:00:00:00:0a' }]);
  assert.deepEqual(got.map((d) => d.status.interfaces), [[{ name: 'eth1', mac: '02:00:00:00:00:0a' }]]);
});

test('desiredSessionStates: one object per peer, BGP and BFD state, the first problem as lastError', () => {
  const got = desiredSessionStates('n1', [
    { name: 'tor', peerAddress: '198.51.100.1', state: 'Established', bfd: { state: 'Up' } },
    { name: 'edge', peerAddress: '198.51.100.2', state: 'Active', lastError: 'connect ECONNREFUSED' },
  ]);
  assert.deepEqual(got.map((d) => [d.kind, d.labels['portside.dev/peer'], d.status]), [
    ['BGPSessionState', 'tor', { node: 'n1', peer: 'tor', peerAddress: '198.51.100.1', bgpStatus: 'Established', bfdStatus: 'Up' }],
    ['BGPSessionState', 'edge', { node: 'n1', peer: 'edge', peerAddress: '198.51.100.2', bgpStatus: 'Active', bfdStatus: '', lastError: 'connect ECONNREFUSED' }],
  ]);
  assert.equal(got[0]!.name, statusObjectName('n1', 'peer/tor'));
  assert.notEqual(got[0]!.name, desiredSessionStates('n2', [{ name: 'tor', peerAddress: '', state: 'Idle' }])[0]!.name, 'one per node');
});

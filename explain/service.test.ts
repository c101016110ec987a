import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PENDING_REASONS } from '../operator/allocator/index.ts';
import { PENDING_ADVICE } from './advice.ts';
import {
  bgpReport, configState, endpoints, event, healthyBgp, l2Report, node, NODES, NOW, service, session, snapshot,
} from './fixtures.ts';
import { explainService } from './service.ts';

const KEY = 'shop/web';

test('a healthy BGP Service: allocated, the BGPAdvertisement selects it on every node, all sessions up', () => {
  const r = explainService(healthyBgp(), KEY);
  assert.deepEqual(r.allocation, { state: 'allocated', ips: ['198.51.100.16'], pool: 'bgp', message: '198.51.100.16 from pool bgp' });
  assert.deepEqual(r.advertisements.map((a) => [a.kind, a.name, a.selects]), [['L2Advertisement', 'l2', false], ['BGPAdvertisement', 'bgp', true]]);
  assert.equal(r.advertisements[0]!.why, 'advertises pools l2, not bgp');
  assert.deepEqual(r.nodes.map((n) => [n.node, n.bgp.plannedPeers, n.bgp.reportedPeers, n.bgp.sessions.map((s) => s.up)]), [
    ['n1', ['tor'], ['tor'], [true]], ['n2', ['tor'], ['tor'], [true]], ['n3', ['tor'], ['tor'], [true]],
  ]);
  assert.deepEqual(r.verdict, { healthy: true, summary: 'OK: 198.51.100.16 announced (BGP from n1, n2, n3)', next: 'nothing to do' });
});

test('a healthy L2 Service: the planned owner reports it with its interface and MAC', () => {
  const key = 'shop/l2web';
  const snap = snapshot({
    services: [service(key, { ips: ['198.51.100.33'], pool: 'l2' })],
    endpointSlices: [endpoints(key, ['n2'])],
  });
  const owner = explainService(snap, key).l2Owners[0]!.owner!;
  assert.ok(NODES.includes(owner as never));
  snap.l2Statuses = [l2Report(key, owner)];
  const r = explainService(snap, key);
  assert.deepEqual(r.l2Owners, [{ ip: '198.51.100.33', owner, candidates: ['n1', 'n2', 'n3'] }]);
  const row = r.nodes.find((n) => n.node === owner)!;
  assert.deepEqual(row.l2, { planned: true, reported: true, interfaces: [{ name: 'eth0', mac: '02:00:00:00:00:01' }] });
  assert.ok(r.verdict.healthy, r.verdict.summary);
  assert.equal(r.verdict.summary, `OK: 198.51.100.33 announced (L2 from ${owner})`);
});

test('L2: an owner that does not report, and two nodes that both do, are each named', () => {
  const key = 'shop/l2web';
  const snap = snapshot({ services: [service(key, { ips: ['198.51.100.33'], pool: 'l2' })], endpointSlices: [endpoints(key, NODES)] });
  const owner = explainService(snap, key).l2Owners[0]!.owner!;
  const other = NODES.find((n) => n !== owner)!;
  snap.l2Statuses = [l2Report(key, other)];
  const missing = explainService(snap, key).verdict;
  assert.equal(missing.healthy, false);
  assert.match(missing.summary, new RegExp(`L2 owner ${owner} does not report announcing it`));
  assert.match(missing.next, new RegExp(`check the speaker on ${owner}`));
  snap.l2Statuses = [l2Report(key, owner), l2Report(key, other)];
  assert.match(explainService(snap, key).verdict.summary, /2 nodes report answering ARP\/NDP for it/);
});

test('each pending reason the controller gives: the reason, its message and what to change', () => {
  for (const reason of PENDING_REASONS) {
    const snap = snapshot({ services: [service(KEY, { pending: { reason, message: `because ${reason}` } })] });
    const r = explainService(snap, KEY);
    assert.deepEqual(r.allocation, { state: 'pending', ips: [], reason, message: `because ${reason}`, action: PENDING_ADVICE[reason] });
    assert.deepEqual(r.verdict, { healthy: false, summary: `no IP (${reason}: because ${reason})`, next: PENDING_ADVICE[reason] });
  }
});

test('no condition yet: points at the controller, and at its invalid configuration when it reports one', () => {
  const snap = snapshot({ services: [service(KEY)] });
  assert.match(explainService(snap, KEY).verdict.next, /check that the controller runs/);
  snap.configurationStates = [configState('controller', 'Invalid', 'IPAddressPool/bgp spec.addresses[0]: bad')];
  assert.equal(explainService(snap, KEY).verdict.next, 'fix the configuration: IPAddressPool/bgp spec.addresses[0]: bad');
});

test('Local policy: a node without a ready endpoint is named, with the reason, and the Service is still healthy', () => {
  const snap = healthyBgp();
  snap.services = [service(KEY, { ips: ['198.51.100.16'], pool: 'bgp', local: true })];
  snap.endpointSlices = [endpoints(KEY, ['n1', 'n3'])];
  snap.bgpStatuses = [bgpReport(KEY, 'n1'), bgpReport(KEY, 'n3')];
  const r = explainService(snap, KEY);
  const adv = r.advertisements.find((a) => a.name === 'bgp')!;
  assert.deepEqual(adv.nodes, [{ node: 'n1' }, { node: 'n2', excludedBecause: 'externalTrafficPolicy Local and no ready endpoint here' }, { node: 'n3' }]);
  assert.deepEqual(r.endpoints, { total: 2, byNode: { n1: 1, n3: 1 }, withoutNode: 0 });
  const n2 = r.nodes.find((n) => n.node === 'n2')!;
  assert.deepEqual([n2.readyEndpoints, n2.bgp.plannedPeers, n2.notAnnouncing], [0, [], ['BGP: externalTrafficPolicy Local and no ready endpoint here']]);
  assert.deepEqual(r.verdict, { healthy: true, summary: 'OK: 198.51.100.16 announced (BGP from n1, n3)', next: 'nothing to do' });
});

test('a BGP peer down on one node: which peer, from where, BGP and BFD state and the last error', () => {
  const snap = healthyBgp({ sessions: [session('n1'), session('n2', 'tor', 'Active', 'Down', 'connect ECONNREFUSED 198.51.100.1:179'), session('n3')] });
  const r = explainService(snap, KEY);
  assert.equal(r.verdict.healthy, false);
  assert.equal(r.verdict.summary, '198.51.100.16: peer tor is down from n2 (BGP Active, BFD Down) (announced: BGP from n1, n3)');
  assert.match(r.verdict.next, /check the router at 198\.51\.100\.1 and BGPPeer tor .*last error: connect ECONNREFUSED/);
});

test('advertisements that do not select the Service say why: pool, serviceSelectors; none at all is the verdict', () => {
  const snap = healthyBgp();
  snap.config.bgpAdvertisements = [{ metadata: { name: 'bgp', namespace: 'portside-system' }, spec: { ipAddressPools: ['bgp'], serviceSelectors: [{ matchLabels: { tier: 'edge' } }] } }];
  const r = explainService(snap, KEY);
  assert.equal(r.advertisements[1]!.why, 'serviceSelectors {tier in (edge)} do not match the Service\'s labels (app=web)');
  assert.equal(r.verdict.healthy, false);
  assert.match(r.verdict.summary, /no advertisement selects it: nothing announces it/);
  assert.match(r.verdict.next, /BGPAdvertisement for pool bgp/);
});

test('node selectors and excluded nodes rule nodes out, each with its reason', () => {
  const snap = healthyBgp({ nodes: [node('n1', { rack: 'a' }), node('n2', { 'node.kubernetes.io/exclude-from-external-load-balancers': '' }), node('n3')] });
  snap.config.bgpAdvertisements = [{ metadata: { name: 'bgp', namespace: 'portside-system' }, spec: { ipAddressPools: ['bgp'], nodeSelectors: [{ matchExpressions: [{ key: 'rack', operator: 'Exists' }] }] } }];
  snap.bgpStatuses = [bgpReport(KEY, 'n1')];
  const r = explainService(snap, KEY);
  assert.deepEqual(r.advertisements[1]!.nodes, [
    { node: 'n1' },
    { node: 'n2', excludedBecause: 'labelled node.kubernetes.io/exclude-from-external-load-balancers' },
    { node: 'n3', excludedBecause: 'nodeSelectors {rack} do not match' },
  ]);
  assert.ok(r.verdict.healthy, r.verdict.summary);
});

test('endpoints: none ready means nothing is announced; the verdict says so', () => {
  const r = explainService(healthyBgp({ endpointSlices: [endpoints(KEY, NODES, false)], bgpStatuses: [] }), KEY);
  assert.equal(r.endpoints.total, 0);
  assert.match(r.verdict.summary, /no ready endpoint/);
  assert.match(r.verdict.next, /kubectl get endpointslices -n shop -l kubernetes\.io\/service-name=web/);
});

test('an invalid configuration is listed and is the verdict even with an IP', () => {
  const snap = healthyBgp();
  snap.config.pools = [...snap.config.pools, { metadata: { name: 'bad', namespace: 'portside-system' }, spec: { addresses: ['198.51.100.16/28'] } }];
  const r = explainService(snap, KEY);
  assert.ok(r.configErrors.length > 0 && r.configErrors.some((e) => e.startsWith('IPAddressPool/')), JSON.stringify(r.configErrors));
  assert.match(r.verdict.summary, /the configuration is invalid/);
});

test('a missing Service, and one that is not a LoadBalancer', () => {
  assert.equal(explainService(snapshot(), 'shop/none').verdict.summary, 'Service shop/none not found');
  const svc = service(KEY);
  svc.spec!.type = 'ClusterIP';
  const r = explainService(snapshot({ services: [svc] }), KEY);
  assert.equal(r.verdict.summary, 'shop/web is type ClusterIP, not LoadBalancer');
});

test('events: newest first, at most eight', () => {
  const events = Array.from({ length: 10 }, (_, i) => event(i % 2 ? 'Warning' : 'Normal', `R${i}`, `m${i}`, NOW - (10 - i) * 1000));
  const r = explainService(healthyBgp({ events }), KEY);
  assert.deepEqual(r.events.map((e) => e.reason), ['R9', 'R8', 'R7', 'R6', 'R5', 'R4', 'R3', 'R2']);
  assert.equal(r.events[0]!.from, 'portside-controller');
});

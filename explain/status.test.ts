import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bgpReport, configState, healthyBgp, l2Report, node, service, session, snapshot } from './fixtures.ts';
import { clusterStatus } from './status.ts';

test('healthy: every component valid, every session up, nothing stale', () => {
  const r = clusterStatus(healthyBgp());
  assert.deepEqual(r.components.map((c) => [c.component, c.result]), [['controller', 'Valid'], ['speaker-n1', 'Valid'], ['speaker-n2', 'Valid'], ['speaker-n3', 'Valid']]);
  assert.deepEqual(r.nodes.map((n) => [n.node, n.speaker, n.sessions.map((s) => `${s.peer} ${s.bgp}/${s.bfd}`)]), [
    ['n1', 'Valid', ['tor Established/Up']], ['n2', 'Valid', ['tor Established/Up']], ['n3', 'Valid', ['tor Established/Up']],
  ]);
  assert.deepEqual(r.stale, []);
  assert.deepEqual(r.verdict, { healthy: true, summary: 'OK: 4 component(s) valid, 3 BGP session(s) up', next: 'nothing to do' });
});

test('an invalid configuration reported by a component, and a session down, make it unhealthy', () => {
  const snap = healthyBgp({
    configurationStates: [configState('controller', 'Invalid', 'IPAddressPool/x spec.addresses[0]: bad'), configState('speaker-n1'), configState('speaker-n2'), configState('speaker-n3')],
    sessions: [session('n1'), session('n2', 'tor', 'Active', 'Down', 'hold timer expired'), session('n3')],
  });
  const r = clusterStatus(snap);
  assert.equal(r.components[0]!.problem, 'IPAddressPool/x spec.addresses[0]: bad');
  assert.equal(r.verdict.healthy, false);
  assert.equal(r.verdict.summary, 'configuration not valid for controller; 1 BGP session(s) down (tor from n2)');
  assert.match(r.verdict.next, /^fix IPAddressPool\/x spec\.addresses\[0\]: bad; check those routers/);
});

test('stale: reports of gone Services, nodes and peers, two L2 answerers, a silent node, an uncounted pool', () => {
  const snap = healthyBgp();
  snap.nodes = [node('n1'), node('n2'), node('n4')];
  snap.sessions = [session('n1'), session('n2'), session('n3'), session('n1', 'old-peer')];
  snap.bgpStatuses = [bgpReport('shop/web', 'n1'), bgpReport('shop/gone', 'n1')];
  snap.services.push(service('shop/l2', { ips: ['198.51.100.33'], pool: 'l2' }));
  snap.l2Statuses = [l2Report('shop/l2', 'n1'), l2Report('shop/l2', 'n2')];
  snap.config.pools = [...snap.config.pools, { metadata: { name: 'fresh', namespace: 'portside-system' }, spec: { addresses: ['203.0.113.0/28'] } }];
  const r = clusterStatus(snap);
  assert.deepEqual(r.stale, [
    'BGPSessionState n1-old-peer: BGPPeer old-peer is gone',
    'BGPSessionState n3-tor: node n3 is gone',
    'ConfigurationState speaker-n3: node n3 is gone',
    'IPAddressPool fresh: the controller has not written its status',
    'Service shop/l2: 2 nodes report answering ARP/NDP for it (n1, n2)',
    'ServiceBGPStatus n1-bgp-gone: Service shop/gone is gone or has no IP',
    'node n4: no speaker has reported from it (ConfigurationState speaker-n4)',
  ]);
  assert.equal(r.nodes.find((n) => n.node === 'n4')?.speaker, 'missing');
  assert.match(r.verdict.summary, /7 stale or conflicting report\(s\)/);
});

test('a node the speaker DaemonSet does not schedule to is not a missing report; a node it does is', () => {
  const snap = healthyBgp();
  snap.nodes = [...snap.nodes, node('control-plane'), node('n4')];
  snap.speakerNodes = new Set([...snap.nodes.map((n) => n.metadata?.name ?? '').filter((n) => n !== 'control-plane')]);
  const r = clusterStatus(snap);
  assert.deepEqual(r.stale, ['node n4: no speaker has reported from it (ConfigurationState speaker-n4)']);
  assert.equal(r.nodes.find((n) => n.node === 'control-plane')?.speaker, 'not scheduled');
  assert.equal(r.nodes.find((n) => n.node === 'n4')?.speaker, 'missing');
  snap.nodes = snap.nodes.filter((n) => n.metadata?.name !== 'n4');
  assert.deepEqual(clusterStatus(snap).stale, [], 'without n4 nothing is stale: the control-plane node is not counted');
});

test('Services without an IP are listed with their reasons', () => {
  const r = clusterStatus(snapshot({ services: [service('shop/p', { pending: { reason: 'NoPoolMatches', message: 'no pool' } })] }));
  assert.deepEqual(r.pending, [{ service: 'shop/p', reason: 'NoPoolMatches', message: 'no pool' }]);
  assert.match(r.verdict.next, /portside explain service shop\/p/);
});

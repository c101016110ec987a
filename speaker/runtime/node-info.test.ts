import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Node } from '@kubernetes/client-node';
import { config, l2, node, peer } from '../planner/testing.ts';
import { internalIps, livenessKey, livenessPeers, nodeIdentity, peersForNode } from './node-info.ts';

const withIp = (n: V1Node, ...ips: string[]): V1Node => ({
  ...n,
  status: { ...n.status, addresses: [...ips.map((address) => ({ type: 'InternalIP', address })), { type: 'Hostname', address: n.metadata!.name! }] },
});

test('internalIps and nodeIdentity read InternalIP addresses in order', () => {
  const n = withIp(node('a'), '198.51.100.10', '2001:db8::10');
  assert.deepEqual(internalIps(n), ['198.51.100.10', '2001:db8::10']);
  assert.deepEqual(nodeIdentity('a', n), { name: 'a', addresses: ['198.51.100.10', '2001:db8::10'] });
  assert.deepEqual(internalIps(undefined), []);
});

test('peersForNode: nodeSelectors select, empty = all, unusable node gets none', () => {
  const cfg = config({ bgpPeers: [peer('all'), peer('rack1', { peerAddress: '198.51.100.253', nodeSelectors: [{ matchLabels: { rack: '1' } }] })] });
  assert.deepEqual(peersForNode(cfg, node('a', { labels: { rack: '1' } })).map((p) => p.name), ['all', 'rack1']);
  assert.deepEqual(peersForNode(cfg, node('b', { labels: { rack: '2' } })).map((p) => p.name), ['all']);
  assert.deepEqual(peersForNode(cfg, node('c', { excluded: true })), []);
  assert.deepEqual(peersForNode(cfg, undefined), []);
});

test('livenessPeers: nodes an L2Advertisement selects, self excluded, one address of our family', () => {
  const cfg = config({ l2Advertisements: [l2('lab', { nodeSelectors: [{ matchLabels: { l2: 'yes' } }] })] });
  const yes = { labels: { l2: 'yes' } };
  const nodes = [
    withIp(node('a', yes), '198.51.100.10'),
    withIp(node('b', yes), '2001:db8::11', '198.51.100.11'),
    withIp(node('c'), '198.51.100.12'),
    withIp(node('d', { ...yes, excluded: true }), '198.51.100.13'),
  ];
  assert.deepEqual(livenessPeers(cfg, 'a', nodes), [{ node: 'b', address: '198.51.100.11' }]);
  assert.deepEqual(livenessPeers(cfg, 'c', nodes), [], 'a node no advertisement selects watches nobody');
  assert.deepEqual(livenessPeers(config(), 'a', nodes), [], 'no L2Advertisement, no mesh');
});

test('livenessKey: from data.key, refuses missing or short keys', () => {
  assert.equal(livenessKey(undefined).ok, false);
  assert.equal(livenessKey({ data: {} }).ok, false);
  assert.equal(livenessKey({ data: { key: Buffer.from('short').toString('base64') } }).ok, false);
  const r = livenessKey({ data: { key: Buffer.alloc(32, 7).toString('base64') } });
  assert.ok(r.ok && r.key.length === 32);
});

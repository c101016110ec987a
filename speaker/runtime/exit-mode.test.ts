import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Node } from '@kubernetes/client-node';
import { config, node, peer } from '../planner/testing.ts';
import { exitMode } from './exit-mode.ts';

const peers = config({ bgpPeers: [peer('gr', { enableGracefulRestart: true }), peer('plain', { peerAddress: '198.51.100.253' })] }).bgpPeers;
const both = [...peers.values()];
const plain = both.filter((p) => p.name === 'plain');

test('SIGTERM on a Ready, schedulable node with a graceful-restart peer: a restart exit for that peer', () => {
  assert.deepEqual(exitMode(node('a'), both), { restart: true, peers: ['gr'] });
});

test('SIGTERM withdraws when the node is going or no peer has graceful restart', () => {
  const cases: Array<[string, V1Node | undefined, RegExp]> = [
    ['cordoned', { ...node('a'), spec: { unschedulable: true } }, /cordoned/],
    ['removed by the autoscaler', { ...node('a'), spec: { taints: [{ key: 'ToBeDeletedByClusterAutoscaler', effect: 'NoSchedule' }] } }, /ToBeDeletedByClusterAutoscaler/],
    ['out of service', { ...node('a'), spec: { taints: [{ key: 'node.kubernetes.io/out-of-service', effect: 'NoExecute' }] } }, /out-of-service/],
    ['shutting down', { ...node('a'), status: { conditions: [{ type: 'Ready', status: 'False', message: 'node is shutting down' }] } }, /not Ready \(node is shutting down\)/],
    ['no Ready condition', { ...node('a'), status: {} }, /not Ready/],
    ['unknown Node', undefined, /unknown/],
  ];
  for (const [what, n, reason] of cases) {
    const mode = exitMode(n, both);
    assert.equal(mode.restart, false, what);
    assert.match(mode.restart ? '' : mode.reason, reason, what);
  }
  assert.deepEqual(exitMode(node('a'), plain), { restart: false, reason: 'no BGPPeer of this node has enableGracefulRestart' });
  assert.deepEqual(exitMode(node('a'), []), { restart: false, reason: 'no BGPPeer of this node has enableGracefulRestart' });
  const soft = { ...node('a'), spec: { taints: [{ key: 'ToBeDeletedByClusterAutoscaler', effect: 'PreferNoSchedule' }] } };
  assert.equal(exitMode(soft, both).restart, true, 'a PreferNoSchedule candidate mark is not a removal');
});

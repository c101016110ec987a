import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1EndpointConditions } from '@kubernetes/client-node';
import { endpointCanServe, indexEndpoints } from './endpoints.ts';
import { nodeUnusableReason } from './nodes.ts';
import { node, slice } from './testing.ts';
import { SkipReason } from './types.ts';

describe('endpointCanServe (MetalLB: ready nil/true, or serving true)', () => {
  const cases: Array<[string, V1EndpointConditions | undefined, boolean]> = [
    ['no conditions', undefined, true],
    ['empty conditions', {}, true],
    ['ready', { ready: true }, true],
    ['not ready, serving nil', { ready: false }, false],
    ['terminating but serving', { ready: false, serving: true, terminating: true }, true],
    ['terminating, not serving', { ready: false, serving: false, terminating: true }, false],
  ];
  for (const [name, conditions, want] of cases) it(name, () => assert.equal(endpointCanServe(conditions), want));
});

describe('indexEndpoints', () => {
  it('keys by namespace and service-name label, merges slices, keeps serving nodes', () => {
    const index = indexEndpoints([
      slice('web', [{ node: 'node-a' }, { node: 'node-b', ready: false }]),
      slice('web', [{ node: 'node-c', ready: false, serving: true }]),
      slice('web', [{ node: 'node-z' }], 'other'),
      { metadata: { name: 'orphan', namespace: 'default' }, addressType: 'IPv4', endpoints: [{ addresses: ['203.0.113.1'] }] },
    ]);
    assert.deepEqual([...index.keys()].sort(), ['default/web', 'other/web']);
    assert.deepEqual([...index.get('default/web')!.nodes].sort(), ['node-a', 'node-c']);
    assert.equal(index.get('default/web')!.any, true);
  });

  it('an endpoint without nodeName serves but is local to no node', () => {
    const s = slice('web', [{ node: 'node-a' }]);
    delete s.endpoints?.[0]?.nodeName;
    const e = indexEndpoints([s]).get('default/web')!;
    assert.equal(e.any, true);
    assert.equal(e.nodes.size, 0);
  });
});

describe('nodeUnusableReason', () => {
  const cases: Array<[string, Parameters<typeof nodeUnusableReason>[0], SkipReason | undefined]> = [
    ['plain node', node('n'), undefined],
    ['missing', undefined, SkipReason.NodeNotFound],
    ['exclude label with any value', node('n', { labels: { 'node.kubernetes.io/exclude-from-external-load-balancers': 'false' } }), SkipReason.NodeExcluded],
    ['NetworkUnavailable=True', node('n', { networkUnavailable: true }), SkipReason.NetworkUnavailable],
  ];
  for (const [name, n, want] of cases) it(name, () => assert.equal(nodeUnusableReason(n), want));
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { L2AdvertisementInput } from '../../lib/config/index.ts';
import { ownerOf } from '../l2/ownership.ts';
import { planNode } from './plan.ts';
import { config, l2, node, scenario, service, slice } from './testing.ts';
import { SkipReason, type PlanInput } from './types.ts';

const NODES = ['node-a', 'node-b', 'node-c'];
const l2Config = (...adverts: L2AdvertisementInput[]) => config({ l2Advertisements: adverts.length ? adverts : [l2('all')] });
const l2Scenario = (over: Partial<PlanInput> = {}) => scenario({ config: l2Config(), ...over });

/** IP → the nodes that own it, each node planning with the same view. */
function owners(make: () => PlanInput): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const nodeName of NODES) {
    for (const p of planNode({ ...make(), nodeName }).l2Owned) (out[p.ip] ??= []).push(nodeName);
  }
  return out;
}

const candidateNodes = (input: PlanInput) => planNode(input).l2.map((p) => [p.ip, p.candidates.map((c) => c.node)]);

interface Case { name: string; input: () => PlanInput; want: Array<[string, string[]]> }

const candidateCases: Case[] = [
  { name: 'Cluster: every node', input: () => l2Scenario(), want: [['198.51.100.10', NODES]] },
  { name: 'Cluster with no endpoints: no entry', input: () => l2Scenario({ endpointSlices: [] }), want: [] },
  {
    name: 'Local: only nodes with a serving endpoint',
    input: () => l2Scenario({
      services: [service('web', ['198.51.100.10'], { local: true })],
      endpointSlices: [slice('web', [{ node: 'node-c' }, { node: 'node-b', ready: false, serving: false }])],
    }),
    want: [['198.51.100.10', ['node-c']]],
  },
  {
    name: 'excluded and NetworkUnavailable nodes are never candidates',
    input: () => l2Scenario({ nodes: [node('node-a', { excluded: true }), node('node-b', { networkUnavailable: true }), node('node-c')] }),
    want: [['198.51.100.10', ['node-c']]],
  },
  {
    name: 'advert nodeSelectors limit the candidates',
    input: () => l2Scenario({
      config: l2Config(l2('r1', { nodeSelectors: [{ matchLabels: { rack: 'r1' } }] })),
      nodes: [node('node-a'), node('node-b', { labels: { rack: 'r1' } }), node('node-c', { labels: { rack: 'r1' } })],
    }),
    want: [['198.51.100.10', ['node-b', 'node-c']]],
  },
  {
    name: 'advert serviceSelectors miss: no entry',
    input: () => l2Scenario({ config: l2Config(l2('edge', { serviceSelectors: [{ matchLabels: { tier: 'edge' } }] })) }),
    want: [],
  },
  {
    name: 'shared IP: nodes that suit every Service on it',
    input: () => l2Scenario({
      config: l2Config(
        l2('r1', { nodeSelectors: [{ matchLabels: { rack: 'r1' } }], serviceSelectors: [{ matchLabels: { app: 'web' } }] }),
        l2('r2', { nodeSelectors: [{ matchLabels: { row: 'r2' } }], serviceSelectors: [{ matchLabels: { app: 'api' } }] }),
      ),
      nodes: [node('node-a', { labels: { rack: 'r1' } }), node('node-b', { labels: { rack: 'r1', row: 'r2' } }), node('node-c', { labels: { row: 'r2' } })],
      services: [service('web', ['198.51.100.10'], { labels: { app: 'web' } }), service('api', ['198.51.100.10'], { labels: { app: 'api' } })],
      endpointSlices: [slice('web', [{ node: 'node-a' }]), slice('api', [{ node: 'node-c' }])],
    }),
    want: [['198.51.100.10', ['node-b']]],
  },
  {
    name: 'shared IP where no node suits every Service: the union, so someone still answers',
    input: () => l2Scenario({
      services: [service('web', ['198.51.100.10'], { local: true }), service('api', ['198.51.100.10'], { local: true })],
      endpointSlices: [slice('web', [{ node: 'node-a' }]), slice('api', [{ node: 'node-c' }])],
    }),
    want: [['198.51.100.10', ['node-a', 'node-c']]],
  },
  {
    name: 'IPs sorted IPv4 first, then by address',
    input: () => l2Scenario({
      services: [service('web', ['2001:db8::5', '198.51.100.20']), service('api', ['198.51.100.3'])],
      endpointSlices: [slice('web', [{ node: 'node-a' }]), slice('api', [{ node: 'node-a' }])],
    }),
    want: [['198.51.100.3', NODES], ['198.51.100.20', NODES], ['2001:db8::5', NODES]],
  },
];

describe('planNode L2 candidates', () => {
  for (const c of candidateCases) it(c.name, () => assert.deepEqual(candidateNodes(c.input()), c.want));
});

describe('planNode L2 ownership', () => {
  it('exactly one node owns each IP, the one ownerOf ranks first', () => {
    const got = owners(() => l2Scenario());
    assert.deepEqual(got, { '198.51.100.10': [ownerOf('198.51.100.10', NODES.map((n) => ({ node: n, weight: 0 })))] });
  });

  it('a shared IP of two Local Services with the same backends has one owner with endpoints', () => {
    const make = () => l2Scenario({
      services: [service('web', ['198.51.100.10'], { local: true }), service('web-udp', ['198.51.100.10'], { local: true })],
      endpointSlices: [slice('web', [{ node: 'node-b' }, { node: 'node-c' }]), slice('web-udp', [{ node: 'node-b' }, { node: 'node-c' }])],
    });
    const got = owners(make);
    assert.equal(got['198.51.100.10']?.length, 1);
    assert.ok(['node-b', 'node-c'].includes(got['198.51.100.10']![0]!));
    assert.deepEqual(planNode(make()).l2[0]!.services, ['default/web', 'default/web-udp']);
  });

  it('preferred node weights win over the hash', () => {
    const hashWinner = ownerOf('198.51.100.10', NODES.map((n) => ({ node: n, weight: 0 })))!;
    const preferred = NODES.find((n) => n !== hashWinner)!;
    const make = () => l2Scenario({
      config: l2Config(l2('pref', { preferredNodeSelectors: [
        { weight: 10, preference: { matchLabels: { 'kubernetes.io/hostname': preferred } } },
        { weight: 5, preference: { matchLabels: { 'kubernetes.io/hostname': hashWinner } } },
      ] })),
    });
    assert.deepEqual(owners(make), { '198.51.100.10': [preferred] });
    const weights = planNode(make()).l2[0]!.candidates.find((c) => c.node === preferred)!.weight;
    assert.equal(weights, 10);
  });

  it('weights add across distinct matching terms', () => {
    const plan = planNode(l2Scenario({
      config: l2Config(l2('pref', { preferredNodeSelectors: [
        { weight: 10, preference: { matchLabels: { rack: 'r1' } } },
        { weight: 7, preference: { matchExpressions: [{ key: 'ssd', operator: 'Exists' }] } },
      ] })),
      nodes: [node('node-a', { labels: { rack: 'r1', ssd: '' } }), node('node-b', { labels: { rack: 'r1' } }), node('node-c')],
    }));
    assert.deepEqual(plan.l2[0]!.candidates, [{ node: 'node-a', weight: 17 }, { node: 'node-b', weight: 10 }, { node: 'node-c', weight: 0 }]);
  });

  it('a dead owner is replaced using liveNodes; self always counts as live', () => {
    const first = ownerOf('198.51.100.10', NODES.map((n) => ({ node: n, weight: 0 })))!;
    const others = NODES.filter((n) => n !== first);
    const next = ownerOf('198.51.100.10', others.map((n) => ({ node: n, weight: 0 })))!;
    const plan = planNode(l2Scenario({ nodeName: next, liveNodes: new Set(others.filter((n) => n !== next)) }));
    assert.equal(plan.l2[0]!.owner, next);
    assert.deepEqual(plan.l2Owned.map((p) => p.ip), ['198.51.100.10']);
    const none = planNode(l2Scenario({ nodeName: first, liveNodes: new Set() }));
    assert.equal(none.l2[0]!.owner, first);
  });

  it('a non-owner reports notOwner; an unselected node reports nodeNotSelected', () => {
    const owner = ownerOf('198.51.100.10', NODES.map((n) => ({ node: n, weight: 0 })))!;
    const loser = NODES.find((n) => n !== owner)!;
    const plan = planNode(l2Scenario({ nodeName: loser }));
    assert.deepEqual(plan.skipped, [{ service: 'default/web', ip: '198.51.100.10', protocol: 'l2', reason: SkipReason.NotOwner }]);
    const unselected = planNode(l2Scenario({
      config: l2Config(l2('r1', { nodeSelectors: [{ matchLabels: { rack: 'r1' } }] })),
      nodes: [node('node-a'), node('node-b', { labels: { rack: 'r1' } })],
    }));
    assert.deepEqual(unselected.skipped.map((s) => s.reason), [SkipReason.NodeNotSelected]);
    assert.deepEqual(unselected.l2Owned, []);
  });
});

describe('planNode L2 interfaces', () => {
  const cases: Array<{ name: string; adverts: L2AdvertisementInput[]; want: string[] }> = [
    { name: 'one advert, no interfaces: all', adverts: [l2('a')], want: [] },
    { name: 'union of the adverts', adverts: [l2('a', { interfaces: ['eth1'] }), l2('b', { interfaces: ['eth0', 'eth1'] })], want: ['eth0', 'eth1'] },
    { name: 'an advert for all interfaces wins', adverts: [l2('a', { interfaces: ['eth1'] }), l2('b')], want: [] },
    {
      name: 'only adverts that select this node count',
      adverts: [l2('a', { interfaces: ['eth1'] }), l2('b', { interfaces: ['bond0'], nodeSelectors: [{ matchLabels: { rack: 'r9' } }] })],
      want: ['eth1'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(planNode(l2Scenario({ config: l2Config(...c.adverts) })).l2[0]!.interfaces, c.want));
  }
});

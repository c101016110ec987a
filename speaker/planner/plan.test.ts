import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planNode } from './plan.ts';
import { assertRoutes, bgpAdv, config, node, peer, routesText, type RouteCase, scenario, service, slice } from './testing.ts';
import { SkipReason } from './types.ts';

// Gates that hold for both protocols: endpoints, this node's state, the Service itself.
const cases: RouteCase[] = [
  {
    name: 'Cluster with no endpoints: nothing',
    input: () => scenario({ endpointSlices: [] }),
    want: {}, skip: { service: 'default/web', reason: SkipReason.NoEndpoints },
  },
  {
    name: 'Cluster with only not-ready, not-serving (terminating) endpoints: nothing',
    input: () => scenario({ endpointSlices: [slice('web', [{ node: 'node-b', ready: false, serving: false, terminating: true }, { node: 'node-c', ready: false }])] }),
    want: {}, skip: { reason: SkipReason.NoEndpoints },
  },
  {
    name: 'terminating but still serving counts',
    input: () => scenario({ endpointSlices: [slice('web', [{ node: 'node-b', ready: false, serving: true, terminating: true }])] }),
    want: { tor: ['198.51.100.10/32'] },
  },
  {
    name: 'slice of a same-named Service in another namespace does not count',
    input: () => scenario({ endpointSlices: [slice('web', [{ node: 'node-a' }], 'other')] }),
    want: {}, skip: { reason: SkipReason.NoEndpoints },
  },
  {
    name: 'Local without a local endpoint: nothing from this node',
    input: () => scenario({ services: [service('web', ['198.51.100.10'], { local: true })] }),
    want: {}, skip: { protocol: 'bgp', reason: SkipReason.NoLocalEndpoints },
  },
  {
    name: 'Local with the endpoint on this node',
    input: () => scenario({ nodeName: 'node-b', services: [service('web', ['198.51.100.10'], { local: true })] }),
    want: { tor: ['198.51.100.10/32'] },
  },
  {
    name: 'excluded node announces nothing',
    input: () => scenario({ nodes: [node('node-a', { excluded: true }), node('node-b')] }),
    want: {}, skip: { reason: SkipReason.NodeExcluded },
  },
  {
    name: 'NetworkUnavailable node announces nothing',
    input: () => scenario({ nodes: [node('node-a', { networkUnavailable: true }), node('node-b')] }),
    want: {}, skip: { reason: SkipReason.NetworkUnavailable },
  },
  {
    name: 'unknown node announces nothing',
    input: () => scenario({ nodeName: 'node-z' }),
    want: {}, skip: { reason: SkipReason.NodeNotFound },
  },
  {
    name: 'Service without ingress IPs',
    input: () => scenario({ services: [service('web', [])] }),
    want: {}, skip: { service: 'default/web', reason: SkipReason.NoIngress },
  },
  {
    name: 'Service of another class and non-LoadBalancer Services are ignored',
    input: () => scenario({ services: [service('web', ['198.51.100.10'], { lbClass: 'other' }), service('np', ['198.51.100.11'], { type: 'NodePort' })] }),
    want: {},
  },
  {
    name: 'with --lb-class, that class is handled',
    input: () => scenario({ lbClass: 'portside', services: [service('web', ['198.51.100.10'], { lbClass: 'portside' })] }),
    want: { tor: ['198.51.100.10/32'] },
  },
];

describe('planNode gates', () => {
  for (const c of cases) it(c.name, () => { assertRoutes(c); });

  it('skips name the Service, and the IP when the reason is per IP', () => {
    const plan = planNode(scenario({ services: [service('web', ['198.51.100.10', 'not-an-ip', '203.0.113.1'])] }));
    assert.deepEqual(plan.skipped, [
      { service: 'default/web', ip: 'not-an-ip', reason: SkipReason.InvalidIp },
      { service: 'default/web', ip: '203.0.113.1', reason: SkipReason.NoPool },
    ]);
    assert.deepEqual(routesText(plan), { tor: ['198.51.100.10/32'] });
  });

  it('does not modify its input', () => {
    const input = scenario();
    const before = structuredClone({ ...input, config: undefined });
    planNode(input);
    assert.deepEqual({ ...input, config: undefined }, before);
  });
});

describe('planNode output', () => {
  it('bgpServices lists each Service with its peers, sorted', () => {
    const plan = planNode(scenario({
      config: config({ bgpPeers: [peer('tor2', { peerAddress: '198.51.100.253' }), peer('tor1')], bgpAdvertisements: [bgpAdv('a', { aggregationLength: 24 })] }),
      services: [service('web', ['198.51.100.10']), service('api', ['198.51.100.20'])],
      endpointSlices: [slice('web', [{ node: 'node-b' }]), slice('api', [{ node: 'node-c' }])],
    }));
    assert.deepEqual([...plan.bgpServices], [
      ['default/api', { peers: ['tor1', 'tor2'] }],
      ['default/web', { peers: ['tor1', 'tor2'] }],
    ]);
  });

  it('output order does not depend on input order', () => {
    const build = (reverse: boolean) => {
      const order = <T>(xs: T[]) => (reverse ? [...xs].reverse() : xs);
      return planNode(scenario({
        config: config({
          bgpPeers: order([peer('tor-b', { peerAddress: '198.51.100.253' }), peer('tor-a')]),
          bgpAdvertisements: order([bgpAdv('x', { communities: ['64512:9', '64512:3'] }), bgpAdv('y', { communities: ['64512:1'] })]),
        }),
        services: order([service('c', ['2001:db8::1']), service('a', ['198.51.100.30']), service('b', ['198.51.100.4'])]),
        endpointSlices: order([slice('a', [{ node: 'node-b' }]), slice('b', [{ node: 'node-b' }]), slice('c', [{ node: 'node-b' }])]),
      }));
    };
    const [one, two] = [build(false), build(true)];
    const text = (p: typeof one) => Object.entries(routesText(p));
    assert.deepEqual(text(one), text(two));
    assert.deepEqual([...one.bgpServices.keys()], [...two.bgpServices.keys()]);
    assert.deepEqual(text(one), [
      ['tor-a', ['198.51.100.4/32 c=64512:1,64512:3,64512:9', '198.51.100.30/32 c=64512:1,64512:3,64512:9', '2001:db8::1/128 c=64512:1,64512:3,64512:9']],
      ['tor-b', ['198.51.100.4/32 c=64512:1,64512:3,64512:9', '198.51.100.30/32 c=64512:1,64512:3,64512:9', '2001:db8::1/128 c=64512:1,64512:3,64512:9']],
    ]);
  });

});

// Fixture factories for the planner tests; every call returns fresh objects.
import assert from 'node:assert/strict';
import type { V1EndpointSlice, V1Node, V1Service } from '@kubernetes/client-node';
import { buildConfig, type BuildInput, type Config } from '../../lib/config/index.ts';
import { bgpAdv, input, peer } from '../../lib/config/testing.ts';
import { formatCidr } from '../../lib/ip/index.ts';
import { SERVICE_NAME_LABEL } from './endpoints.ts';
import { EXCLUDE_LABEL } from './nodes.ts';
import { planNode } from './plan.ts';
import type { NodePlan, PlanInput, SkippedService } from './types.ts';

export { bgpAdv, community, l2, peer, pool } from '../../lib/config/testing.ts';

/** A built Config; the default pool is 198.51.100.0/24 + 2001:db8::/64. */
export function config(over: Partial<BuildInput> = {}): Config {
  const r = buildConfig(input(over));
  assert.ok(r.ok, `config: ${JSON.stringify(!r.ok && r.errors)}`);
  return r.config;
}

export interface NodeOpts { labels?: Record<string, string>; excluded?: boolean; networkUnavailable?: boolean }

export function node(name: string, opts: NodeOpts = {}): V1Node {
  const labels = { 'kubernetes.io/hostname': name, ...opts.labels, ...(opts.excluded ? { [EXCLUDE_LABEL]: '' } : {}) };
  const conditions = [
    { type: 'Ready', status: 'True' },
    { type: 'NetworkUnavailable', status: opts.networkUnavailable ? 'True' : 'False' },
  ];
  return { metadata: { name, labels }, status: { conditions } };
}

export interface ServiceOpts {
  namespace?: string;
  labels?: Record<string, string>;
  local?: boolean;
  /** Value of portside.dev/ip-allocated-from-pool. */
  pool?: string;
  lbClass?: string;
  type?: string;
}

export function service(name: string, ips: readonly string[], opts: ServiceOpts = {}): V1Service {
  return {
    metadata: {
      name, namespace: opts.namespace ?? 'default', labels: { ...opts.labels },
      annotations: opts.pool ? { 'portside.dev/ip-allocated-from-pool': opts.pool } : {},
    },
    spec: {
      type: opts.type ?? 'LoadBalancer', selector: { app: name }, ports: [{ port: 80, protocol: 'TCP' }],
      externalTrafficPolicy: opts.local ? 'Local' : 'Cluster',
      ...(opts.lbClass ? { loadBalancerClass: opts.lbClass } : {}),
    },
    status: { loadBalancer: { ingress: ips.map((ip) => ({ ip })) } },
  };
}

export interface EndpointOpts { node: string; ready?: boolean; serving?: boolean; terminating?: boolean }

export function slice(serviceName: string, endpoints: readonly EndpointOpts[], namespace = 'default'): V1EndpointSlice {
  return {
    addressType: 'IPv4',
    metadata: { name: `${serviceName}-abcde`, namespace, labels: { [SERVICE_NAME_LABEL]: serviceName } },
    endpoints: endpoints.map((e, i) => ({
      addresses: [`203.0.113.${i + 1}`],
      nodeName: e.node,
      conditions: {
        ...(e.ready === undefined ? {} : { ready: e.ready }),
        ...(e.serving === undefined ? {} : { serving: e.serving }),
        ...(e.terminating === undefined ? {} : { terminating: e.terminating }),
      },
    })),
  };
}

/** Three nodes, one BGP peer, one advert for the default pool, one Cluster Service with an endpoint on node-b. */
export function scenario(over: Partial<PlanInput> = {}): PlanInput {
  return {
    config: config({ bgpPeers: [peer('tor')], bgpAdvertisements: [bgpAdv('all')] }),
    nodeName: 'node-a',
    nodes: [node('node-a'), node('node-b'), node('node-c')],
    services: [service('web', ['198.51.100.10'])],
    endpointSlices: [slice('web', [{ node: 'node-b' }])],
    ...over,
  };
}

/** Routes per peer as readable text: { peer: ["198.51.100.10/32 c=64512:100 lc=… lp=…"] }. */
export function routesText(plan: NodePlan): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [p, routes] of plan.bgp) {
    out[p] = routes.map((r) => [
      formatCidr(r.prefix),
      ...(r.communities ? [`c=${r.communities.map((c) => `${c >>> 16}:${c & 0xffff}`).join(',')}`] : []),
      ...(r.largeCommunities ? [`lc=${r.largeCommunities.map((c) => `${c.globalAdmin}:${c.localData1}:${c.localData2}`).join(',')}`] : []),
      ...(r.localPref !== undefined ? [`lp=${r.localPref}`] : []),
    ].join(' '));
  }
  return out;
}

/** A table row: the plan's routes as routesText gives them, and a skip it must report. */
export interface RouteCase {
  name: string;
  input: () => PlanInput;
  want: Record<string, string[]>;
  skip?: Partial<SkippedService>;
}

export function assertRoutes(c: RouteCase): NodePlan {
  const plan = planNode(c.input());
  assert.deepEqual(routesText(plan), c.want);
  if (c.skip) {
    const want = c.skip;
    const hit = plan.skipped.find((s) => Object.entries(want).every(([k, v]) => s[k as keyof SkippedService] === v));
    assert.ok(hit, `no skip ${JSON.stringify(want)} in ${JSON.stringify(plan.skipped)}`);
  }
  if (Object.keys(c.want).length === 0) assert.equal(plan.bgpServices.size, 0);
  return plan;
}

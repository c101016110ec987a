// Fixture factories for the explain tests: a three-node cluster with a BGP pool and an L2
// pool, and builders for Services, EndpointSlices and the speakers' reports (fresh objects
// on every call).
import type { CoreV1Event, V1EndpointSlice, V1Node, V1Service } from '@kubernetes/client-node';
import { bfd, bgpAdv, l2, peer, pool } from '../lib/config/testing.ts';
import { ALLOCATED_CONDITION, POOL_ANNOTATION } from '../operator/service-status.ts';
import type { ConfigurationStateFields, ServiceStatusFields, SessionStateFields, Snapshot, StatusObject } from './snapshot.ts';

export const NOW = Date.parse('2026-03-01T12:00:00Z');
export const NODES = ['n1', 'n2', 'n3'] as const;

export function node(name: string, labels: Record<string, string> = {}): V1Node {
  return { metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } } };
}

export function service(
  key: string,
  opts: { ips?: string[]; pool?: string; local?: boolean; labels?: Record<string, string>; allocatedAt?: number; pending?: { reason: string; message: string } } = {},
): V1Service {
  const [namespace, name] = key.split('/') as [string, string];
  const ips = opts.ips ?? [];
  const condition = opts.pending
    ? { type: ALLOCATED_CONDITION, status: 'False', reason: opts.pending.reason, message: opts.pending.message, lastTransitionTime: new Date(NOW - 60_000) }
    : ips.length > 0
      ? { type: ALLOCATED_CONDITION, status: 'True', reason: 'Allocated', message: `${ips.join(', ')} from pool ${opts.pool}`, lastTransitionTime: new Date(opts.allocatedAt ?? NOW - 3 * 86_400_000) }
      : undefined;
  return {
    metadata: { namespace, name, labels: opts.labels ?? { app: name }, ...(opts.pool && ips.length > 0 ? { annotations: { [POOL_ANNOTATION]: opts.pool } } : {}) },
    spec: { type: 'LoadBalancer', externalTrafficPolicy: opts.local ? 'Local' : 'Cluster', ports: [{ port: 80, protocol: 'TCP' }] },
    status: { loadBalancer: { ingress: ips.map((ip) => ({ ip, ipMode: 'VIP' })) }, ...(condition ? { conditions: [condition] } : {}) },
  };
}

/** One ready endpoint on each of `nodes`. */
export function endpoints(key: string, nodes: readonly string[], ready = true): V1EndpointSlice {
  const [namespace, name] = key.split('/') as [string, string];
  return {
    metadata: { namespace, name: `${name}-x`, labels: { 'kubernetes.io/service-name': name } },
    addressType: 'IPv4',
    endpoints: nodes.map((n, i) => ({ addresses: [`10.244.0.${i + 1}`], nodeName: n, conditions: { ready } })),
  };
}

export function l2Report(key: string, nodeName: string, interfaces = [{ name: 'eth0', mac: '02:00:00:00:00:01' }]): StatusObject<ServiceStatusFields> {
  const [serviceNamespace, serviceName] = key.split('/') as [string, string];
  return { metadata: { name: `${nodeName}-l2-${serviceName}` }, status: { node: nodeName, serviceName, serviceNamespace, interfaces } };
}

export function bgpReport(key: string, nodeName: string, peers = ['tor']): StatusObject<ServiceStatusFields> {
  const [serviceNamespace, serviceName] = key.split('/') as [string, string];
  return { metadata: { name: `${nodeName}-bgp-${serviceName}` }, status: { node: nodeName, serviceName, serviceNamespace, peers } };
}

export function session(nodeName: string, peerName = 'tor', bgpStatus = 'Established', bfdStatus = 'Up', lastError?: string): StatusObject<SessionStateFields> {
  return {
    metadata: { name: `${nodeName}-${peerName}`, labels: { 'portside.dev/node': nodeName, 'portside.dev/peer': peerName } },
    status: { node: nodeName, peer: peerName, peerAddress: '198.51.100.1', bgpStatus, bfdStatus, ...(lastError ? { lastError } : {}) },
  };
}

export function configState(component: string, result: 'Valid' | 'Invalid' | 'Unknown' = 'Valid', errorSummary = ''): StatusObject<ConfigurationStateFields> {
  const node = component.startsWith('speaker-') ? component.slice('speaker-'.length) : undefined;
  return {
    metadata: { name: component, ...(node ? { labels: { 'portside.dev/node': node } } : {}) },
    status: {
      result, errorSummary,
      conditions: [{ type: 'ConfigurationValid', status: result === 'Valid' ? 'True' : 'False', reason: result === 'Valid' ? 'ConfigurationLoaded' : 'ConfigurationError', message: result, lastTransitionTime: new Date(NOW - 3_600_000).toISOString() }],
    },
  };
}

export function event(type: string, reason: string, message: string, at: number): CoreV1Event {
  return { metadata: { name: `e${at}` }, involvedObject: {}, type, reason, message, lastTimestamp: new Date(at), count: 1, source: { component: 'portside-controller' } };
}

const poolStatus = (assignedIPv4: number, availableIPv4: number) => ({ assignedIPv4, availableIPv4, assignedIPv6: 0, availableIPv6: 0, availableIPv6Exact: '0' });

/** The cluster: pool bgp (198.51.100.16/28) advertised over BGP to peer tor with BFD, pool l2 (198.51.100.32/28) on layer 2. */
export function snapshot(over: Partial<Snapshot> = {}): Snapshot {
  return {
    installNamespace: 'portside-system',
    now: NOW,
    config: {
      pools: [
        { ...pool('bgp', { addresses: ['198.51.100.16/28'], autoAssign: false }), status: poolStatus(1, 15) },
        { ...pool('l2', { addresses: ['198.51.100.32/28'], autoAssign: false }), status: poolStatus(1, 15) },
      ],
      l2Advertisements: [l2('l2', { ipAddressPools: ['l2'] })],
      bgpAdvertisements: [bgpAdv('bgp', { ipAddressPools: ['bgp'], peers: ['tor'] })],
      bgpPeers: [peer('tor', { peerAddress: '198.51.100.1', bfdProfile: 'fast' })],
      bfdProfiles: [bfd('fast')],
      communities: [],
    },
    services: [],
    endpointSlices: [],
    nodes: NODES.map((n) => node(n)),
    l2Statuses: [],
    bgpStatuses: [],
    sessions: NODES.map((n) => session(n)),
    configurationStates: [configState('controller'), ...NODES.map((n) => configState(`speaker-${n}`))],
    events: [],
    ...over,
  };
}

/** A healthy BGP Service: endpoints on every node, every node reports it, sessions up. */
export function healthyBgp(over: Partial<Snapshot> = {}): Snapshot {
  const key = 'shop/web';
  return snapshot({
    services: [service(key, { ips: ['198.51.100.16'], pool: 'bgp' })],
    endpointSlices: [endpoints(key, NODES)],
    bgpStatuses: NODES.map((n) => bgpReport(key, n)),
    ...over,
  });
}

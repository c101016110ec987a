// Pure: the ServiceBGPStatus / ServiceL2Status objects a node should have for its plan, and
// one BGPSessionState per BGP peer, named deterministically so a restarted speaker finds
// (and reuses) its own objects.
import { createHash } from 'node:crypto';
import type { NodePlan } from '../planner/index.ts';

export const NODE_LABEL = 'portside.dev/node';
export const SERVICE_NAME_LABEL = 'portside.dev/service-name';
export const SERVICE_NAMESPACE_LABEL = 'portside.dev/service-namespace';
export const PEER_LABEL = 'portside.dev/peer';

export type StatusKind = 'ServiceBGPStatus' | 'ServiceL2Status' | 'BGPSessionState';

export const STATUS_PLURALS: Readonly<Record<StatusKind, string>> = {
  ServiceBGPStatus: 'servicebgpstatuses',
  ServiceL2Status: 'servicel2statuses',
  BGPSessionState: 'bgpsessionstates',
};

/** An interface an L2 IP is answered on, with the MAC the answers carry when known. */
export interface AnsweringInterface {
  name: string;
  mac?: string;
}

export interface ServiceStatusFields {
  node: string;
  serviceName: string;
  serviceNamespace: string;
  peers?: string[];
  interfaces?: AnsweringInterface[];
}

export interface SessionStateFields {
  node: string;
  peer: string;
  peerAddress: string;
  bgpStatus: string;
  bfdStatus: string;
  lastError?: string;
}

/** One object this node's speaker keeps in the API: identity, labels and the status to write. */
export interface DesiredObject<S extends object = object> {
  kind: StatusKind;
  name: string;
  labels: Record<string, string>;
  status: S;
}

export type DesiredStatus = DesiredObject<ServiceStatusFields>;

/** What the speaker knows of one peer's sessions (a subset of the BGP manager's PeerStatus). */
export interface PeerSessionView {
  name: string;
  peerAddress: string;
  state: string;
  lastError?: string;
  configError?: string;
  bfd?: { state: string; error?: string };
}

const MAX_NAME = 63;
const HASH_CHARS = 16;

/** `<node>-<16 hex of sha256(node/ns/name)>`, at most 63 characters, a valid object name. */
export function statusObjectName(node: string, serviceKey: string): string {
  const hash = createHash('sha256').update(`${node}/${serviceKey}`).digest('hex').slice(0, HASH_CHARS);
  const head = node.toLowerCase().slice(0, MAX_NAME - HASH_CHARS - 1).replace(/[^a-z0-9]+$/, '');
  return head ? `${head}-${hash}` : hash;
}

/** Label values are ≤ 63 chars; longer names are cut (the status fields carry them whole). */
function labelValue(v: string): string {
  return v.length <= 63 ? v : v.slice(0, 63).replace(/[^A-Za-z0-9]+$/, '');
}

function identity(kind: StatusKind, node: string, serviceKey: string): Omit<DesiredStatus, 'status'> & { status: ServiceStatusFields } {
  const slash = serviceKey.indexOf('/');
  const serviceNamespace = serviceKey.slice(0, slash);
  const serviceName = serviceKey.slice(slash + 1);
  return {
    kind,
    name: statusObjectName(node, serviceKey),
    labels: { [NODE_LABEL]: labelValue(node), [SERVICE_NAME_LABEL]: labelValue(serviceName), [SERVICE_NAMESPACE_LABEL]: labelValue(serviceNamespace) },
    status: { node, serviceName, serviceNamespace },
  };
}

/**
 * Every status object this node should have. `interfacesOf(ip)` gives the interfaces the IP
 * is actually answered on (for an L2Plan with no named interfaces: the responder's links).
 */
export function desiredStatuses(
  node: string, plan: NodePlan, interfacesOf: (ip: string, named: readonly string[]) => AnsweringInterface[],
): DesiredStatus[] {
  const out: DesiredStatus[] = [];
  for (const [service, { peers }] of plan.bgpServices) {
    if (peers.length === 0) continue;
    const d = identity('ServiceBGPStatus', node, service);
    d.status.peers = [...peers].sort();
    out.push(d);
  }
  const l2 = new Map<string, Map<string, AnsweringInterface>>();
  for (const p of plan.l2Owned) {
    for (const service of p.services) {
      const byName = l2.get(service) ?? new Map<string, AnsweringInterface>();
      for (const i of interfacesOf(p.ip, p.interfaces)) byName.set(i.name, { ...byName.get(i.name), ...i });
      l2.set(service, byName);
    }
  }
  for (const [service, interfaces] of l2) {
    const d = identity('ServiceL2Status', node, service);
    d.status.interfaces = [...interfaces.keys()].sort().map((name) => interfaces.get(name)!);
    out.push(d);
  }
  return out;
}

/** One BGPSessionState per peer this node has a session (or a configuration problem) with. */
export function desiredSessionStates(node: string, peers: readonly PeerSessionView[]): DesiredObject<SessionStateFields>[] {
  return peers.map((p) => {
    const lastError = p.configError ?? p.bfd?.error ?? p.lastError;
    return {
      kind: 'BGPSessionState' as const,
      name: statusObjectName(node, `peer/${p.name}`),
      labels: { [NODE_LABEL]: labelValue(node), [PEER_LABEL]: labelValue(p.name) },
      status: {
        node, peer: p.name, peerAddress: p.peerAddress, bgpStatus: p.state, bfdStatus: p.bfd?.state ?? '',
        ...(lastError ? { lastError: lastError.slice(0, 1024) } : {}),
      },
    };
  });
}

/** After a restart exit: what the graceful-restart `peers` still hold (as stale routes); nothing on layer 2. */
export function heldThroughRestart(plan: NodePlan, peers: readonly string[]): NodePlan {
  const held = new Set(peers);
  const bgpServices = new Map([...plan.bgpServices].map(([svc, s]) => [svc, { peers: s.peers.filter((p) => held.has(p)) }]));
  return { ...plan, bgp: new Map([...plan.bgp].filter(([p]) => held.has(p))), bgpServices, l2: [], l2Owned: [] };
}

/** IPs this node announces per Service and protocol: what `nodeAssigned` events and the gauge follow. */
export function announcedIps(plan: NodePlan, ingressOf: (serviceKey: string) => readonly string[]): Map<string, { bgp: string[]; l2: string[] }> {
  const out = new Map<string, { bgp: string[]; l2: string[] }>();
  const entry = (svc: string) => {
    let e = out.get(svc);
    if (!e) out.set(svc, (e = { bgp: [], l2: [] }));
    return e;
  };
  // An IP skipped for BGP (or for the whole Service) on this node is not announced.
  const skipped = new Set(plan.skipped.flatMap((s) => (s.ip && s.protocol !== 'l2' ? [`${s.service} ${s.ip}`] : [])));
  for (const [svc, { peers }] of plan.bgpServices) {
    if (peers.length === 0) continue;
    const ips = ingressOf(svc);
    entry(svc).bgp.push(...(skipped.size === 0 ? ips : ips.filter((ip) => !skipped.has(`${svc} ${ip}`))));
  }
  for (const p of plan.l2Owned) for (const svc of p.services) entry(svc).l2.push(p.ip);
  return out;
}

// What the planner takes and what it decides for one node.
import type { V1EndpointSlice, V1Node, V1Service } from '@kubernetes/client-node';
import type { Config } from '../../lib/config/index.ts';
import type { AnnouncedRoute } from '../bgp/index.ts';
import type { OwnerCandidate } from '../l2/ownership.ts';

export interface PlanInput {
  config: Config;
  /** The node this speaker runs on. */
  nodeName: string;
  nodes: readonly V1Node[];
  services: readonly V1Service[];
  endpointSlices: readonly V1EndpointSlice[];
  /** The --lb-class flag; undefined = Services without a class. */
  lbClass?: string | undefined;
  /** Speakers heard alive (self always counts); undefined = every candidate is live. */
  liveNodes?: ReadonlySet<string> | undefined;
}

/** One IP on layer 2: every speaker computes the same entry, so they agree on the owner. */
export interface L2Plan {
  /** Canonical text (RFC 5952 for IPv6). */
  ip: string;
  /** "namespace/name" of every Service announced on this IP, sorted. */
  services: string[];
  /** Interfaces this node answers on; empty = every eligible interface. */
  interfaces: string[];
  /** Nodes allowed to announce the IP, sorted by node name. */
  candidates: OwnerCandidate[];
  /** Best-ranked live candidate (ownerOf), undefined when none is live. */
  owner: string | undefined;
}

export const SkipReason = {
  /** The Service has no IP in status.loadBalancer.ingress yet. */
  NoIngress: 'noIngress',
  InvalidIp: 'invalidIP',
  /** No pool in the config holds the IP. */
  NoPool: 'noPool',
  /** No L2Advertisement or BGPAdvertisement selects the IP's pool. */
  PoolNotAdvertised: 'poolNotAdvertised',
  /** This node's Node object is not (yet) known. */
  NodeNotFound: 'nodeNotFound',
  /** node.kubernetes.io/exclude-from-external-load-balancers. */
  NodeExcluded: 'nodeExcluded',
  NetworkUnavailable: 'networkUnavailable',
  NoEndpoints: 'noEndpoints',
  NoLocalEndpoints: 'noLocalEndpoints',
  /** The advertisements for the pool select other Services. */
  ServiceNotSelected: 'serviceNotSelected',
  /** The advertisements for the pool and Service select other nodes. */
  NodeNotSelected: 'nodeNotSelected',
  /** BGP: no listed peer is configured for this node. */
  NoPeers: 'noPeers',
  /** L2: another node owns the IP. */
  NotOwner: 'notOwner',
} as const;
export type SkipReason = (typeof SkipReason)[keyof typeof SkipReason];

/** Why a Service (or one of its IPs, on one protocol) is not announced from this node. */
export interface SkippedService {
  service: string;
  /** Absent when the reason holds for the whole Service. */
  ip?: string;
  /** Absent when the reason holds for both protocols. */
  protocol?: 'bgp' | 'l2';
  reason: SkipReason;
}

export interface NodePlan {
  /** Peer name → routes, peers and routes in a stable order. Peers with no route are absent. */
  bgp: Map<string, AnnouncedRoute[]>;
  /** Service key → the peers this node announces it to (for ServiceBGPStatus). */
  bgpServices: Map<string, { peers: string[] }>;
  /** Every IP some node announces on layer 2, sorted by family then address. */
  l2: L2Plan[];
  /** The entries of `l2` this node owns. */
  l2Owned: L2Plan[];
  skipped: SkippedService[];
}

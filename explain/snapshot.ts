// What `portside explain` and `portside status` read from the API, as plain objects: the
// diagnosis (service.ts, pool.ts, status.ts) is pure over this, and fetch.ts fills it.
import type { CoreV1Event, V1EndpointSlice, V1Node, V1Service } from '@kubernetes/client-node';
import type {
  BGPSessionStateStatus, ConfigurationStateStatus, IPAddressPoolStatus, ServiceBGPStatusStatus, ServiceL2StatusStatus,
} from '../crds/index.ts';
import type { BuildInput } from '../lib/config/index.ts';

/** A portside.dev status kind as read: identity, labels and the status the writer left. */
export interface StatusObject<S = Record<string, unknown>> {
  metadata: { name?: string; namespace?: string; labels?: Record<string, string>; creationTimestamp?: string | Date };
  status?: S;
}

/** The status fields as the CRD source defines them (crds/generated/types.ts). */
export type ServiceStatusFields = ServiceL2StatusStatus & ServiceBGPStatusStatus;
export type SessionStateFields = BGPSessionStateStatus;
export type ConfigurationStateFields = ConfigurationStateStatus;
export type PoolStatusFields = IPAddressPoolStatus;

/** The speaker DaemonSet's Pods (config/base). */
export const SPEAKER_POD_SELECTOR = 'app.kubernetes.io/name=portside,app.kubernetes.io/component=speaker';

export interface Snapshot {
  /** Where Portside's own objects live (--portside-namespace). */
  installNamespace: string;
  /** Milliseconds since the epoch when the snapshot was read. */
  now: number;
  /** The configuration objects, as the programs' informers see them. */
  config: BuildInput;
  /** LoadBalancer Services (all of them, or those the question needs). */
  services: V1Service[];
  endpointSlices: V1EndpointSlice[];
  nodes: V1Node[];
  /** Nodes a speaker Pod is scheduled to (label SPEAKER_POD_SELECTOR), when Pods could be listed. */
  speakerNodes?: ReadonlySet<string>;
  l2Statuses: StatusObject<ServiceStatusFields>[];
  bgpStatuses: StatusObject<ServiceStatusFields>[];
  sessions: StatusObject<SessionStateFields>[];
  configurationStates: StatusObject<ConfigurationStateFields>[];
  /** Events about the object asked about (empty for `status`). */
  events: CoreV1Event[];
}

/** The pools' status as the controller wrote it, by pool name. */
export function poolStatuses(snapshot: Pick<Snapshot, 'config'>): Map<string, PoolStatusFields | undefined> {
  const out = new Map<string, PoolStatusFields | undefined>();
  for (const p of snapshot.config.pools as StatusObject<PoolStatusFields>[]) {
    if (p.metadata?.name) out.set(p.metadata.name, p.status);
  }
  return out;
}

export function serviceKeyOf(svc: V1Service): string {
  return `${svc.metadata?.namespace || 'default'}/${svc.metadata?.name ?? ''}`;
}

/** The status objects of one Service (namespace/name). */
export function statusesOf<S extends ServiceStatusFields>(objects: readonly StatusObject<S>[], key: string): StatusObject<S>[] {
  return objects.filter((o) => `${o.status?.serviceNamespace}/${o.status?.serviceName}` === key);
}

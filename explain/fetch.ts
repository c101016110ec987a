// Reads a Snapshot from the API (lists only; nothing is written). A kind the cluster does not
// serve (an older install without BGPSessionState) reads as empty.
import type { CoreV1Event, V1EndpointSlice, V1Node, V1Pod, V1Service } from '@kubernetes/client-node';
import { GROUP, pluralOf, VERSION } from '../crds/index.ts';
import type { PortsideKind } from '../crds/index.ts';
import { ApiRequestError } from '../lib/k8s/index.ts';
import type { KubeApi } from '../lib/k8s/index.ts';
import { SPEAKER_POD_SELECTOR } from './snapshot.ts';
import type { Snapshot, StatusObject } from './snapshot.ts';

type Query = Record<string, string>;

/** 429 (a busy or just-started apiserver: "storage is (re)initializing") is retried this many times. */
const TOO_MANY_RETRIES = 5;

async function list<T>(api: KubeApi, path: string, query: Query = {}): Promise<T[]> {
  for (let attempt = 0; ; attempt++) {
    try {
      return (await api.json.request<{ items?: T[] }>('GET', path, { query })).items ?? [];
    } catch (err) {
      if (err instanceof ApiRequestError && err.code === 404) return [];
      if (!(err instanceof ApiRequestError && err.code === 429) || attempt >= TOO_MANY_RETRIES) throw err;
      await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** attempt));
    }
  }
}

function portsidePath(namespace: string, kind: PortsideKind): string {
  return `/apis/${GROUP}/${VERSION}/namespaces/${encodeURIComponent(namespace)}/${pluralOf(kind)}`;
}

async function portsideObjects<T = StatusObject>(api: KubeApi, namespace: string, kind: PortsideKind): Promise<T[]> {
  return list<T>(api, portsidePath(namespace, kind));
}

export interface FetchScope {
  installNamespace: string;
  /** The Service asked about ("namespace/name"): its EndpointSlices and Events, and those of Services sharing its IPs. */
  service?: string;
}

/** One read of everything a question needs. */
export async function fetchSnapshot(api: KubeApi, scope: FetchScope, now = Date.now()): Promise<Snapshot> {
  const ns = scope.installNamespace;
  const [services, nodes, pools, l2Advertisements, bgpAdvertisements, bgpPeers, bfdProfiles, communities,
    l2Statuses, bgpStatuses, sessions, configurationStates] = await Promise.all([
    list<V1Service>(api, '/api/v1/services'),
    list<V1Node>(api, '/api/v1/nodes'),
    portsideObjects<unknown>(api, ns, 'IPAddressPool'),
    portsideObjects<unknown>(api, ns, 'L2Advertisement'),
    portsideObjects<unknown>(api, ns, 'BGPAdvertisement'),
    portsideObjects<unknown>(api, ns, 'BGPPeer'),
    portsideObjects<unknown>(api, ns, 'BFDProfile'),
    portsideObjects<unknown>(api, ns, 'Community'),
    portsideObjects(api, ns, 'ServiceL2Status'),
    portsideObjects(api, ns, 'ServiceBGPStatus'),
    portsideObjects(api, ns, 'BGPSessionState'),
    portsideObjects(api, ns, 'ConfigurationState'),
  ]);
  // Where the speaker DaemonSet runs: a node it does not schedule to (taints, nodeSelector) is
  // not a missing report. Unknown when Pods may not be listed (RBAC): every node is expected then.
  const speakerNodes = await list<V1Pod>(api, `/api/v1/namespaces/${encodeURIComponent(ns)}/pods`, { labelSelector: SPEAKER_POD_SELECTOR })
    .then((pods) => new Set(pods.flatMap((p) => (p.spec?.nodeName ? [p.spec.nodeName] : []))), () => undefined);
  const lbServices = services.filter((s) => s.spec?.type === 'LoadBalancer' || keyOf(s) === scope.service);
  let endpointSlices: V1EndpointSlice[] = [];
  let events: CoreV1Event[] = [];
  if (scope.service) {
    const related = relatedServices(lbServices, scope.service);
    endpointSlices = (await Promise.all(related.map(([namespace, name]) => list<V1EndpointSlice>(
      api, `/apis/discovery.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/endpointslices`,
      { labelSelector: `kubernetes.io/service-name=${name}` },
    )))).flat();
    const [namespace = '', name = ''] = splitKey(scope.service);
    events = await list<CoreV1Event>(api, `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`, {
      fieldSelector: `involvedObject.kind=Service,involvedObject.name=${name}`,
    });
  }
  return {
    installNamespace: ns,
    now,
    config: { pools, l2Advertisements, bgpAdvertisements, bgpPeers, bfdProfiles, communities, nodes },
    services: lbServices,
    endpointSlices,
    nodes,
    ...(speakerNodes ? { speakerNodes } : {}),
    l2Statuses,
    bgpStatuses,
    sessions,
    configurationStates,
    events,
  };
}

function keyOf(s: V1Service): string {
  return `${s.metadata?.namespace}/${s.metadata?.name}`;
}

function splitKey(key: string): [string, string] {
  const slash = key.indexOf('/');
  return [key.slice(0, slash), key.slice(slash + 1)];
}

/** The Service and every Service with one of its IPs (they share an L2 owner). */
function relatedServices(services: readonly V1Service[], key: string): [string, string][] {
  const ipsOf = (s: V1Service) => (s.status?.loadBalancer?.ingress ?? []).flatMap((i) => (i.ip ? [i.ip] : []));
  const own = new Set(ipsOf(services.find((s) => keyOf(s) === key) ?? {}));
  const keys = new Set([key, ...services.filter((s) => ipsOf(s).some((ip) => own.has(ip))).map(keyOf)]);
  return [...keys].sort().map(splitKey);
}

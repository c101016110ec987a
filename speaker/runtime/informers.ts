// What the speaker watches: Services, EndpointSlices (discovery.k8s.io/v1) and Nodes in the
// whole cluster, Secrets in the install namespace only, and the six config kinds.
import type { KubernetesObject, V1EndpointSlice, V1Node, V1ObjectMeta, V1Secret, V1Service } from '@kubernetes/client-node';
import { ConfigInformers } from '../../lib/config/informers.ts';
import { ANNOTATION_PREFIXES } from '../../lib/service/index.ts';
import { apiListWatch, InformerSupervisor } from '../../lib/k8s/index.ts';
import type { InformerEvent, KubeApi } from '../../lib/k8s/index.ts';

export interface SpeakerInformerOptions {
  namespace: string;
  /** Something the plan reads changed. */
  onChange: (kind: string) => void;
  onEvent?: (kind: string, e: InformerEvent) => void;
}

/** What planning reads off a Node: not its heartbeats (status is rewritten every 10 s). */
export function nodeFingerprint(n: V1Node): string {
  return JSON.stringify([
    n.metadata?.labels ?? {},
    n.spec?.unschedulable ?? false,
    n.status?.addresses ?? [],
    (n.status?.conditions ?? []).filter((c) => c.type === 'NetworkUnavailable').map((c) => c.status),
  ]);
}

/** Services: a change of spec, labels or load-balancer status (not other annotations churn). */
export function serviceFingerprint(s: V1Service): string {
  return JSON.stringify([s.metadata?.labels ?? {}, s.metadata?.annotations ?? {}, s.spec ?? {}, s.status?.loadBalancer ?? {}]);
}

/**
 * What the speaker keeps of a Service: its identity, labels, the annotations it reads (Portside's
 * and MetalLB's prefixes), spec and load-balancer status — not other annotations (a
 * last-applied-configuration can be most of a Service) nor status.conditions.
 */
export function slimService(s: V1Service): V1Service {
  const m = s.metadata ?? {};
  const annotations = Object.entries(m.annotations ?? {}).filter(([k]) => ANNOTATION_PREFIXES.some((p) => k.startsWith(p)));
  return {
    metadata: {
      ...identity(m),
      ...(m.labels ? { labels: m.labels } : {}),
      ...(annotations.length > 0 ? { annotations: Object.fromEntries(annotations) } : {}),
    },
    ...(s.spec ? { spec: s.spec } : {}),
    ...(s.status?.loadBalancer ? { status: { loadBalancer: s.status.loadBalancer } } : {}),
  };
}

/** What the speaker keeps of an EndpointSlice: its identity, labels and each endpoint's addresses, node and conditions. */
export function slimEndpointSlice(e: V1EndpointSlice): V1EndpointSlice {
  const m = e.metadata ?? {};
  return {
    addressType: e.addressType,
    metadata: { ...identity(m), ...(m.labels ? { labels: m.labels } : {}) },
    endpoints: (e.endpoints ?? []).map((ep) => ({
      addresses: ep.addresses,
      ...(ep.nodeName ? { nodeName: ep.nodeName } : {}),
      ...(ep.conditions ? { conditions: ep.conditions } : {}),
    })),
  };
}

function identity(m: V1ObjectMeta): V1ObjectMeta {
  return {
    ...(m.name !== undefined ? { name: m.name } : {}),
    ...(m.namespace !== undefined ? { namespace: m.namespace } : {}),
    ...(m.uid !== undefined ? { uid: m.uid } : {}),
    ...(m.resourceVersion !== undefined ? { resourceVersion: m.resourceVersion } : {}),
    ...(m.deletionTimestamp !== undefined ? { deletionTimestamp: m.deletionTimestamp } : {}),
  };
}

export class SpeakerInformers {
  readonly services: InformerSupervisor<V1Service>;
  readonly endpointSlices: InformerSupervisor<V1EndpointSlice>;
  readonly nodes: InformerSupervisor<V1Node>;
  readonly secrets: InformerSupervisor<V1Secret>;
  readonly config: ConfigInformers;

  constructor(api: KubeApi, opts: SpeakerInformerOptions) {
    const make = <T extends KubernetesObject>(kind: string, path: string, changed: (o: T, n: T) => boolean = () => true, transform?: (obj: T) => T) =>
      new InformerSupervisor<T>(apiListWatch<T>(api, path, transform ? { transform } : {}), { onEvent: (e) => opts.onEvent?.(kind, e) }).on({
        add: () => opts.onChange(kind),
        update: (o, n) => {
          if (changed(o, n)) opts.onChange(kind);
        },
        delete: () => opts.onChange(kind),
      });
    this.services = make<V1Service>('services', '/api/v1/services', (o, n) => serviceFingerprint(o) !== serviceFingerprint(n), slimService);
    this.endpointSlices = make<V1EndpointSlice>('endpointslices', '/apis/discovery.k8s.io/v1/endpointslices', undefined, slimEndpointSlice);
    this.nodes = make<V1Node>('nodes', '/api/v1/nodes', (o, n) => nodeFingerprint(o) !== nodeFingerprint(n));
    // Secrets come with the config kinds (BGP passwords resolve there); the liveness key is one too.
    this.config = new ConfigInformers(api, {
      namespace: opts.namespace,
      secrets: true,
      onChange: () => opts.onChange('config'),
      onEvent: (kind, e) => opts.onEvent?.(kind, e),
    });
    this.secrets = this.config.secrets!;
  }

  start(): void {
    for (const i of this.core()) i.start();
    this.config.start();
  }

  async synced(): Promise<void> {
    await Promise.all([...this.core().map((i) => i.synced), this.config.synced()]);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.core().map((i) => i.stop()), this.config.stop()]);
  }

  private core(): InformerSupervisor<KubernetesObject>[] {
    return [this.services, this.endpointSlices, this.nodes] as InformerSupervisor<KubernetesObject>[];
  }
}

// What the speaker watches: Services, EndpointSlices (discovery.k8s.io/v1) and Nodes in the
// whole cluster, Secrets in the install namespace only, and the six config kinds.
import type { KubernetesObject, V1Endpoint, V1EndpointConditions, V1EndpointSlice, V1Node, V1ObjectMeta, V1Secret, V1Service } from '@kubernetes/client-node';
import { ConfigInformers } from '../../lib/config/informers.ts';
import { ANNOTATION_PREFIXES } from '../../lib/service/index.ts';
import { SERVICE_NAME_LABEL } from '../planner/endpoints.ts';
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

/** What planning reads off a slimmed EndpointSlice: its Service and endpoints (not its resourceVersion). */
export function endpointSliceFingerprint(e: V1EndpointSlice): string {
  return JSON.stringify([e.metadata?.labels ?? {}, e.metadata?.deletionTimestamp ?? null, e.endpoints ?? []]);
}

/**
 * One copy of each distinct value of the few low-cardinality strings the caches keep
 * (namespaces, node names, enum-like spec fields): JSON.parse gives every object its own copy
 * of strings over 10 characters. Never pruned, so only for values that repeat.
 */
const shared = new Map<string, string>();
function intern<T extends string | undefined>(value: T): T {
  if (value === undefined) return value;
  const known = shared.get(value);
  if (known !== undefined) return known as T;
  shared.set(value, value);
  return value;
}

/**
 * One frozen copy of each distinct small object the caches keep for many objects (the Service
 * spec fields kept, most often equal; the kept annotations, usually just the pool's; an
 * EndpointSlice's kept endpoints, which depend only on their nodes and conditions, and those
 * conditions): 1.7 MB at 10,000 Services. At most `max` distinct ones each; past that, objects
 * are not shared.
 */
function sharing(max: number): <T extends object>(value: T) => T {
  const known = new Map<string, object>();
  return <T extends object>(value: T): T => {
    const key = JSON.stringify(value);
    const found = known.get(key);
    if (found !== undefined) return found as T;
    if (known.size >= max) return value;
    known.set(key, Object.freeze(value));
    return value;
  };
}
const sharedSpec = sharing(256);
const sharedAnnotations = sharing(1024);
const sharedEndpoints = sharing(4096);

/**
 * What the speaker keeps of a Service: its identity, labels, the annotations it reads (Portside's
 * and MetalLB's prefixes), the three spec fields the planner reads (type, loadBalancerClass,
 * externalTrafficPolicy) and load-balancer status — not other annotations (a
 * last-applied-configuration can be most of a Service), the rest of spec (ports, selector,
 * cluster IPs), nor status.conditions. 10,000 Services: bench/bgp.ts, docs/benchmarks.md.
 */
export function slimService(s: V1Service): V1Service {
  const m = s.metadata ?? {};
  const annotations = Object.entries(m.annotations ?? {}).filter(([k]) => ANNOTATION_PREFIXES.some((p) => k.startsWith(p)));
  const spec = s.spec;
  return {
    metadata: {
      ...identity(m),
      ...(m.labels ? { labels: m.labels } : {}),
      ...(annotations.length > 0 ? { annotations: sharedAnnotations(Object.fromEntries(annotations)) } : {}),
    },
    ...(spec
      ? {
        spec: sharedSpec({
          ...(spec.type !== undefined ? { type: intern(spec.type) } : {}),
          ...(spec.loadBalancerClass !== undefined ? { loadBalancerClass: intern(spec.loadBalancerClass) } : {}),
          ...(spec.externalTrafficPolicy !== undefined ? { externalTrafficPolicy: intern(spec.externalTrafficPolicy) } : {}),
        }),
      }
      : {}),
    ...(s.status?.loadBalancer ? { status: { loadBalancer: s.status.loadBalancer } } : {}),
  };
}

/** Every kept endpoint's addresses: one shared empty list. */
const NO_ADDRESSES: string[] = Object.freeze([]) as unknown as string[];

/** The conditions the planner reads (endpointCanServe), one shared object per combination. */
const sharedConditionSets = sharing(16);
function sharedConditions(c: V1EndpointConditions): V1EndpointConditions {
  return sharedConditionSets({
    ...(c.ready !== undefined && c.ready !== null ? { ready: c.ready } : {}),
    ...(c.serving !== undefined && c.serving !== null ? { serving: c.serving } : {}),
  });
}

/**
 * What the speaker keeps of an EndpointSlice: name, namespace, resourceVersion, its
 * Service's name label, and per endpoint only its node and the conditions that say whether it
 * can serve (no addresses: the speaker announces the Service's IPs, not its endpoints'), one
 * endpoint per distinct (node, conditions).
 */
export function slimEndpointSlice(e: V1EndpointSlice): V1EndpointSlice {
  const m = e.metadata ?? {};
  const service = m.labels?.[SERVICE_NAME_LABEL];
  const endpoints = new Map<string, V1Endpoint>();
  for (const ep of e.endpoints ?? []) {
    const conditions = ep.conditions ? sharedConditions(ep.conditions) : undefined;
    const key = `${ep.nodeName ?? ''}|${conditions?.ready}|${conditions?.serving}`;
    if (endpoints.has(key)) continue;
    endpoints.set(key, Object.freeze({
      addresses: NO_ADDRESSES,
      ...(ep.nodeName ? { nodeName: intern(ep.nodeName) } : {}),
      ...(conditions ? { conditions } : {}),
    }));
  }
  // What is kept of the endpoints depends only on their nodes and conditions: slices on the same
  // nodes share one frozen list (1 MB at 10,000 Services with an endpoint each).
  return {
    addressType: intern(e.addressType),
    metadata: {
      ...(m.name !== undefined ? { name: m.name } : {}),
      ...(m.namespace !== undefined ? { namespace: intern(m.namespace) } : {}),
      ...(m.resourceVersion !== undefined ? { resourceVersion: m.resourceVersion } : {}),
      ...(m.deletionTimestamp !== undefined ? { deletionTimestamp: m.deletionTimestamp } : {}),
      ...(service !== undefined ? { labels: { [SERVICE_NAME_LABEL]: service } } : {}),
    },
    endpoints: sharedEndpoints([...endpoints.values()]),
  };
}

function identity(m: V1ObjectMeta): V1ObjectMeta {
  return {
    ...(m.name !== undefined ? { name: m.name } : {}),
    ...(m.namespace !== undefined ? { namespace: intern(m.namespace) } : {}),
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
    this.endpointSlices = make<V1EndpointSlice>('endpointslices', '/apis/discovery.k8s.io/v1/endpointslices', (o, n) => endpointSliceFingerprint(o) !== endpointSliceFingerprint(n), slimEndpointSlice);
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

// Informers for every Portside configuration kind in the install namespace (and, when asked,
// the Namespaces and the install namespace's Secrets), and the snapshot of them the pure
// config model builds from.
import type { KubernetesObject, V1Namespace, V1Secret } from '@kubernetes/client-node';
import { GROUP, VERSION } from '../../crds/index.ts';
import { apiListWatch, InformerSupervisor } from '../k8s/index.ts';
import type { InformerEvent, KubeApi } from '../k8s/index.ts';
import { compareCodePoints } from '../order/index.ts';
import type { BuildInput } from './types.ts';

const PLURALS = {
  pools: 'ipaddresspools',
  l2Advertisements: 'l2advertisements',
  bgpAdvertisements: 'bgpadvertisements',
  bgpPeers: 'bgppeers',
  bfdProfiles: 'bfdprofiles',
  communities: 'communities',
} as const;

type Slot = keyof typeof PLURALS;

export interface ConfigInformerOptions {
  namespace: string;
  /** Called on any add/update/delete of a configuration object. */
  onChange: () => void;
  onEvent?: (kind: string, e: InformerEvent) => void;
  /** Also watch Namespaces (the controller needs their labels for serviceAllocation). */
  namespaces?: boolean;
  /** Also watch Secrets in the namespace: BGPPeer passwordSecret is resolved (and a missing one reported). */
  secrets?: boolean;
}

/** What the config model reads changed: the spec (generation) or the labels (selectors match them). */
export function configChanged(o: KubernetesObject, n: KubernetesObject): boolean {
  if (o.metadata?.generation !== n.metadata?.generation) return true;
  const a = o.metadata?.labels ?? {};
  const b = n.metadata?.labels ?? {};
  const keys = Object.keys(a);
  return keys.length !== Object.keys(b).length || keys.some((k) => a[k] !== b[k]);
}

/** What the config model reads off a Secret changed: its type or its data (Secrets have no generation). */
export function secretChanged(o: V1Secret, n: V1Secret): boolean {
  return o.type !== n.type || JSON.stringify(o.data ?? {}) !== JSON.stringify(n.data ?? {});
}

export class ConfigInformers {
  private readonly informers: Record<Slot, InformerSupervisor<KubernetesObject>>;
  readonly namespaces: InformerSupervisor<V1Namespace> | undefined;
  readonly secrets: InformerSupervisor<V1Secret> | undefined;

  constructor(api: KubeApi, opts: ConfigInformerOptions) {
    // Status writes (the controller's own pool counters) change neither spec nor labels: no rebuild for them.
    const make = <T extends KubernetesObject>(path: string, kind: string, changed: (o: T, n: T) => boolean = configChanged): InformerSupervisor<T> =>
      new InformerSupervisor<T>(apiListWatch<T>(api, path), { onEvent: (e) => opts.onEvent?.(kind, e) }).on({
        add: opts.onChange,
        update: (o, n) => {
          if (changed(o, n)) opts.onChange();
        },
        delete: opts.onChange,
      });
    const base = `/apis/${GROUP}/${VERSION}/namespaces/${encodeURIComponent(opts.namespace)}`;
    this.informers = Object.fromEntries(
      Object.entries(PLURALS).map(([slot, plural]) => [slot, make(`${base}/${plural}`, plural)]),
    ) as Record<Slot, InformerSupervisor<KubernetesObject>>;
    this.namespaces = opts.namespaces ? make<V1Namespace>('/api/v1/namespaces', 'namespaces') : undefined;
    this.secrets = opts.secrets
      ? make<V1Secret>(`/api/v1/namespaces/${encodeURIComponent(opts.namespace)}/secrets`, 'secrets', secretChanged)
      : undefined;
  }

  start(): this {
    for (const inf of this.all()) inf.start();
    return this;
  }

  async synced(): Promise<void> {
    await Promise.all(this.all().map((i) => i.synced));
  }

  async stop(): Promise<void> {
    await Promise.all(this.all().map((i) => i.stop()));
  }

  /** The objects as received, sorted by name for deterministic errors; buildConfig checks each against its schema. */
  snapshot(): BuildInput {
    const list = (slot: Slot): KubernetesObject[] =>
      this.informers[slot].list().sort((a, b) => compareCodePoints(a.metadata?.name ?? '', b.metadata?.name ?? ''));
    return {
      pools: list('pools'),
      l2Advertisements: list('l2Advertisements'),
      bgpAdvertisements: list('bgpAdvertisements'),
      bgpPeers: list('bgpPeers'),
      bfdProfiles: list('bfdProfiles'),
      communities: list('communities'),
      ...(this.namespaces ? { namespaces: this.namespaces.list() } : {}),
      ...(this.secrets ? { secrets: this.secrets.list() } : {}),
    };
  }

  private all(): InformerSupervisor<KubernetesObject>[] {
    const optional = [this.namespaces, this.secrets].filter((i) => i !== undefined) as InformerSupervisor<KubernetesObject>[];
    return [...Object.values(this.informers), ...optional];
  }
}

// The Kubernetes side of the lab: pools, peers and advertisements, and Services with
// EndpointSlices the lab writes itself (no kubelets). Nodes and the liveness Secret come
// with the lab builder's control plane.
import { CoreV1Api, CustomObjectsApi, DiscoveryV1Api, type KubeConfig, type V1Service } from '@kubernetes/client-node';
import { GROUP, VERSION } from '../../crds/index.ts';
import { isAlreadyExists, isNotFound } from '../../lib/k8s/index.ts';
import { mergePatch } from '../k8s/patch.ts';
import { INSTALL_NAMESPACE } from '../controlplane.ts';
import { waitFor } from '../wait.ts';
import {
  BFD_PROFILE, COMMUNITY, LARGE_COMMUNITY, NODE_ASN, POOLS, SERVICE_PORT, TOR_ASN, TOR_V4,
} from './plan.ts';

export interface LabServiceSpec {
  namespace: string;
  name: string;
  pool: string;
  /** Nodes with a ready endpoint. */
  nodes: readonly string[];
  externalTrafficPolicy?: 'Cluster' | 'Local';
  dualStack?: boolean;
}

interface CustomItem {
  metadata: { name: string; labels?: Record<string, string> };
  status?: Record<string, unknown>;
}

export class LabObjects {
  readonly core: CoreV1Api;
  readonly discovery: DiscoveryV1Api;
  readonly custom: CustomObjectsApi;

  constructor(kc: KubeConfig) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.discovery = kc.makeApiClient(DiscoveryV1Api);
    this.custom = kc.makeApiClient(CustomObjectsApi);
  }

  /** Creates or merge-patches one portside.dev object in the install namespace. */
  async apply(plural: string, kind: string, name: string, spec: Record<string, unknown>): Promise<void> {
    const where = { group: GROUP, version: VERSION, namespace: INSTALL_NAMESPACE, plural };
    try {
      await this.custom.createNamespacedCustomObject({ ...where, body: { apiVersion: `${GROUP}/${VERSION}`, kind, metadata: { name }, spec } });
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      await this.custom.patchNamespacedCustomObject({ ...where, name, body: { spec } }, mergePatch());
    }
  }

  async remove(plural: string, name: string): Promise<void> {
    await this.custom.deleteNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: INSTALL_NAMESPACE, plural, name });
  }

  async list(plural: string): Promise<CustomItem[]> {
    const list = (await this.custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: INSTALL_NAMESPACE, plural })) as { items: CustomItem[] };
    return list.items;
  }

  /**
   * The lab's configuration. `hostFrr`: the nodes' own FRR owns the sessions, so the BGPPeer says
   * only what that FRR runs (its timers and BFD), nothing host-frr would name as not applied.
   */
  async applyConfig({ hostFrr = false }: { hostFrr?: boolean } = {}): Promise<void> {
    await this.apply('ipaddresspools', 'IPAddressPool', POOLS.bgp.name, { addresses: [...POOLS.bgp.addresses], autoAssign: false });
    await this.apply('ipaddresspools', 'IPAddressPool', POOLS.l2.name, { addresses: [...POOLS.l2.addresses], autoAssign: false });
    await this.apply('bfdprofiles', 'BFDProfile', BFD_PROFILE.name, {
      receiveInterval: BFD_PROFILE.intervalMs, transmitInterval: BFD_PROFILE.intervalMs, detectMultiplier: BFD_PROFILE.multiplier,
    });
    await this.apply('bgppeers', 'BGPPeer', 'tor', {
      myASN: NODE_ASN, peerASN: TOR_ASN, peerAddress: TOR_V4, holdTime: '9s', keepaliveTime: '3s', bfdProfile: BFD_PROFILE.name,
      ...(hostFrr ? {} : { connectTime: '1s', enableGracefulRestart: true }),
    });
    await this.apply('bgpadvertisements', 'BGPAdvertisement', 'bgp', {
      ipAddressPools: [POOLS.bgp.name], peers: ['tor'], communities: [COMMUNITY, LARGE_COMMUNITY],
    });
    await this.apply('l2advertisements', 'L2Advertisement', 'l2', { ipAddressPools: [POOLS.l2.name] });
  }

  async ensureNamespace(name: string): Promise<void> {
    try {
      await this.core.createNamespace({ body: { metadata: { name } } });
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
  }

  async createService(s: LabServiceSpec): Promise<void> {
    await this.ensureNamespace(s.namespace);
    const body: V1Service = {
      metadata: {
        name: s.name,
        annotations: { 'portside.dev/address-pool': s.pool },
        // Served by the nodes' kube-proxy stand-in (kube-proxy.ts): a real kube-proxy (kubelet
        // nodes) leaves it alone, as it would its endpoints, which are made up.
        labels: { 'service.kubernetes.io/service-proxy-name': 'portside-lab-stand-in' },
      },
      spec: {
        type: 'LoadBalancer',
        selector: { app: s.name },
        ports: [{ name: 'http', port: SERVICE_PORT, protocol: 'TCP', targetPort: 8080 }],
        externalTrafficPolicy: s.externalTrafficPolicy ?? 'Cluster',
        ...(s.dualStack ? { ipFamilyPolicy: 'PreferDualStack', ipFamilies: ['IPv4', 'IPv6'] } : {}),
      },
    };
    await this.core.createNamespacedService({ namespace: s.namespace, body });
    await this.setEndpoints(s, s.nodes);
  }

  /** One EndpointSlice per family, a ready endpoint on each named node. */
  async setEndpoints(s: Pick<LabServiceSpec, 'namespace' | 'name' | 'dualStack'>, nodes: readonly string[]): Promise<void> {
    const families = s.dualStack ? (['IPv4', 'IPv6'] as const) : (['IPv4'] as const);
    for (const family of families) {
      const name = `${s.name}-${family.toLowerCase()}`;
      const endpoints = nodes.map((node) => {
        const i = Number(node.split('-').pop());
        return { addresses: [family === 'IPv4' ? `10.244.${i}.10` : `fd00:10:244:${i}::10`], nodeName: node, conditions: { ready: true, serving: true } };
      });
      const body = {
        metadata: { name, labels: { 'kubernetes.io/service-name': s.name } },
        addressType: family,
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
        endpoints,
      };
      try {
        await this.discovery.replaceNamespacedEndpointSlice({ namespace: s.namespace, name, body });
      } catch (err) {
        if (!isNotFound(err)) throw err;
        await this.discovery.createNamespacedEndpointSlice({ namespace: s.namespace, body });
      }
    }
  }

  async patchService(namespace: string, name: string, spec: Record<string, unknown>): Promise<void> {
    await this.core.patchNamespacedService({ namespace, name, body: { spec } }, mergePatch());
  }

  async serviceIps(namespace: string, name: string): Promise<string[]> {
    const svc = await this.core.readNamespacedService({ namespace, name });
    return (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? '').filter(Boolean);
  }

  async waitServiceIps(namespace: string, name: string, timeoutMs = 30_000): Promise<string[]> {
    return waitFor(async () => {
      const ips = await this.serviceIps(namespace, name);
      return ips.length > 0 ? ips : undefined;
    }, { timeoutMs, what: `${namespace}/${name} to get an IP` });
  }

  /** Nodes whose speaker reports announcing the Service, per protocol. */
  async announcers(namespace: string, name: string): Promise<{ bgp: string[]; l2: string[] }> {
    const mine = (items: CustomItem[]) => items
      .filter((i) => i.metadata.labels?.['portside.dev/service-name'] === name && i.metadata.labels['portside.dev/service-namespace'] === namespace)
      .map((i) => String(i.status?.node ?? i.metadata.labels?.['portside.dev/node'] ?? '?'))
      .sort();
    const [bgp, l2] = await Promise.all([this.list('servicebgpstatuses'), this.list('servicel2statuses')]);
    return { bgp: mine(bgp), l2: mine(l2) };
  }
}

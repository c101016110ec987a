// Helpers for the controller's `*.apiserver.test.ts` files and the benchmark (not a test):
// namespaces, pools and Services against a real apiserver, an in-process Controller, and
// `portside controller` as a child process.
import { join } from 'node:path';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import type { CoreV1Event, KubeConfig, V1Condition, V1Service, V1ServiceSpec } from '@kubernetes/client-node';
import { GROUP, VERSION } from '../../crds/index.ts';
import type { ControlPlane } from '../controlplane.ts';
import { spawnLogged } from '../controlplane.process.ts';
import type { ManagedProcess } from '../controlplane.process.ts';
import { waitFor } from '../wait.ts';
import { isAlreadyExists, isNotFound, KubeApi } from '../../lib/k8s/index.ts';
import type { ClusterConfig } from '../../lib/k8s/index.ts';
import { mergePatch } from '../k8s/patch.ts';
import { createLogger, isLogLevel } from '../../lib/log/index.ts';
import { Registry } from '../../lib/metrics/index.ts';
import { compareCodePoints } from '../../lib/order/index.ts';
import { Controller } from '../../operator/controller.ts';
import { ControllerMetrics } from '../../operator/metrics.ts';
import { ALLOCATED_CONDITION, POOL_ANNOTATION } from '../../operator/service-status.ts';

export { ALLOCATED_CONDITION, POOL_ANNOTATION };

let unique = 0;
/** A name no earlier call in this process returned: `<prefix>-<pid36>-<n>`. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid.toString(36)}-${(unique++).toString(36)}`;
}

export class Cluster {
  readonly kc: KubeConfig;
  readonly core: CoreV1Api;
  readonly custom: CustomObjectsApi;

  constructor(kc: KubeConfig) {
    this.kc = kc;
    this.core = kc.makeApiClient(CoreV1Api);
    this.custom = kc.makeApiClient(CustomObjectsApi);
  }

  async namespace(name: string, labels: Record<string, string> = {}): Promise<string> {
    try {
      await this.core.createNamespace({ body: { metadata: { name, labels } } });
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
    return name;
  }

  async labelNamespace(name: string, labels: Record<string, string | null>): Promise<void> {
    await this.core.patchNamespace({ name, body: { metadata: { labels } } }, mergePatch());
  }

  /** Creates or replaces (merge patch) an IPAddressPool in `namespace`. */
  async pool(namespace: string, name: string, spec: Record<string, unknown>): Promise<void> {
    const where = { group: GROUP, version: VERSION, plural: 'ipaddresspools', namespace };
    try {
      await this.custom.createNamespacedCustomObject({
        ...where,
        body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'IPAddressPool', metadata: { name, namespace }, spec },
      });
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      await this.custom.patchNamespacedCustomObject({ ...where, name, body: { spec } }, mergePatch());
    }
  }

  async deletePool(namespace: string, name: string): Promise<void> {
    await this.custom.deleteNamespacedCustomObject({ group: GROUP, version: VERSION, plural: 'ipaddresspools', namespace, name });
  }

  async poolStatus(namespace: string, name: string): Promise<Record<string, unknown> | undefined> {
    const obj = (await this.custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, plural: 'ipaddresspools', namespace, name })) as {
      status?: Record<string, unknown>;
    };
    return obj.status;
  }

  async configurationState(namespace: string, name = 'controller'): Promise<Record<string, unknown> | undefined> {
    try {
      const obj = (await this.custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, plural: 'configurationstates', namespace, name })) as {
        status?: Record<string, unknown>;
      };
      return obj.status;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** A LoadBalancer Service with TCP/80 unless `spec` says otherwise. */
  async service(
    namespace: string,
    name: string,
    opts: { annotations?: Record<string, string>; labels?: Record<string, string>; spec?: Partial<V1ServiceSpec> } = {},
  ): Promise<V1Service> {
    return this.core.createNamespacedService({
      namespace,
      body: {
        metadata: { name, namespace, annotations: opts.annotations, labels: opts.labels },
        spec: { type: 'LoadBalancer', ports: [{ port: 80, protocol: 'TCP' }], selector: { app: name }, ...opts.spec },
      },
    });
  }

  async patchService(namespace: string, name: string, body: Record<string, unknown>): Promise<void> {
    await this.core.patchNamespacedService({ namespace, name, body }, mergePatch());
  }

  async deleteService(namespace: string, name: string): Promise<void> {
    try {
      await this.core.deleteNamespacedService({ namespace, name });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /** Deletes every Service in the namespaces (namespaces themselves need kube-controller-manager to go). */
  async deleteServicesIn(...namespaces: string[]): Promise<void> {
    for (const namespace of namespaces) {
      const list = await this.core.listNamespacedService({ namespace });
      await Promise.all(list.items.map((s) => this.deleteService(namespace, s.metadata!.name!)));
    }
  }

  async getService(namespace: string, name: string): Promise<V1Service> {
    return this.core.readNamespacedService({ namespace, name });
  }

  /** namespace/name → ingress IPs, for every LoadBalancer Service in the namespaces. */
  async ipMap(...namespaces: string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    for (const namespace of namespaces) {
      const list = await this.core.listNamespacedService({ namespace });
      for (const s of list.items) out.set(`${namespace}/${s.metadata!.name!}`, ingressIPs(s));
    }
    return new Map([...out].sort(([a], [b]) => compareCodePoints(a, b)));
  }

  async events(namespace: string, name: string): Promise<CoreV1Event[]> {
    const list = await this.core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name}` });
    return list.items;
  }

  /** Waits until the Service shows IPs and returns them. */
  async waitForIPs(namespace: string, name: string, count = 1, timeoutMs = 10_000): Promise<string[]> {
    return waitFor(async () => {
      const ips = ingressIPs(await this.getService(namespace, name));
      return ips.length >= count ? ips : undefined;
    }, { timeoutMs, what: `${namespace}/${name} to get ${count} IP(s)` });
  }

  /** Waits until the Service's Allocated condition satisfies `ok` and returns the Service. */
  async waitForCondition(
    namespace: string,
    name: string,
    ok: (c: V1Condition) => boolean,
    timeoutMs = 10_000,
  ): Promise<V1Service> {
    return waitFor(async () => {
      const svc = await this.getService(namespace, name);
      const c = allocatedCondition(svc);
      return c && ok(c) ? svc : undefined;
    }, { timeoutMs, what: `${namespace}/${name} Allocated condition` });
  }

  async waitForEvent(namespace: string, name: string, reason: string, timeoutMs = 10_000): Promise<CoreV1Event> {
    return waitFor(async () => (await this.events(namespace, name)).find((e) => e.reason === reason), {
      timeoutMs,
      what: `event ${reason} on ${namespace}/${name}`,
    });
  }
}

export function ingressIPs(svc: V1Service): string[] {
  return (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip).filter((ip): ip is string => ip !== undefined);
}

export function allocatedCondition(svc: V1Service): V1Condition | undefined {
  return svc.status?.conditions?.find((c) => c.type === ALLOCATED_CONDITION);
}

export interface InProcessController {
  controller: Controller;
  registry: Registry;
  stop(): Promise<void>;
}

/** Starts a Controller in this process with its own API connections, a silent logger and a fresh registry. */
export async function startController(
  config: ClusterConfig,
  namespace: string,
  opts: { lbClass?: string; workers?: number } = {},
): Promise<InProcessController> {
  const registry = new Registry();
  // PORTSIDE_TEST_LOG=debug shows the controller's log while debugging a test.
  const level = process.env.PORTSIDE_TEST_LOG;
  const log = createLogger({ component: 'controller', level: level && isLogLevel(level) ? level : 'silent' });
  const api = new KubeApi(config);
  const controller = new Controller({
    api, namespace, lbClass: opts.lbClass, log, metrics: new ControllerMetrics(registry), workers: opts.workers,
  });
  await controller.start();
  return { controller, registry, stop: () => controller.stop().finally(() => api.close()) };
}

const BIN = new URL('../../bin/portside.ts', import.meta.url).pathname;
let processes = 0;

/**
 * `portside controller` as a child process (log in the control plane's dir), with the admin
 * kubeconfig unless `kubeconfigPath` names another identity. Stop it with stopProcess.
 */
export function startControllerProcess(cp: ControlPlane, namespace: string, args: string[] = [], kubeconfigPath = cp.kubeconfigPath): ManagedProcess {
  const log = join(cp.dir, `controller-${process.pid}-${processes++}.log`);
  return spawnLogged('portside-controller', process.execPath, [
    BIN, 'controller', '--kubeconfig', kubeconfigPath, '--namespace', namespace,
    '--metrics-addr', '127.0.0.1:0', '--log-level', 'debug', ...args,
  ], log);
}

// Keeps the speakers' liveness-key Secret present, so an install needs no imperative step
// (MetalLB's controller does the same for its memberlist Secret): when it is absent — a new
// install, or deleted to rotate the key — the leader creates it with a random key, owned by
// the controller Deployment. A Secret that exists is never read for its key, changed or
// replaced: a user-supplied one is used as it is. The key is never logged.
import type { V1Deployment, V1OwnerReference, V1Secret } from '@kubernetes/client-node';
import { generatedKeySecret, LIVENESS_SECRET } from '../lib/liveness/key-secret.ts';
import { apiListWatch, InformerSupervisor, isAlreadyExists } from '../lib/k8s/index.ts';
import type { KubeApi } from '../lib/k8s/index.ts';
import type { Logger } from '../lib/log/index.ts';

export interface LivenessKeyKeeperOptions {
  api: KubeApi;
  namespace: string;
  /** The Deployment that owns a generated Secret (garbage-collected with the install). */
  deployment: string;
  log: Logger;
}

export class LivenessKeyKeeper {
  private readonly opts: LivenessKeyKeeperOptions;
  private readonly secret: InformerSupervisor<V1Secret>;
  private ensuring: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(opts: LivenessKeyKeeperOptions) {
    this.opts = opts;
    const path = `/api/v1/namespaces/${encodeURIComponent(opts.namespace)}/secrets`;
    // One Secret by name (the Role reads every Secret of this namespace, for passwordSecret checks;
    // this watch needs only the key, and is the one the leader alone runs).
    this.secret = new InformerSupervisor<V1Secret>(apiListWatch<V1Secret>(opts.api, path, { fieldSelector: `metadata.name=${LIVENESS_SECRET}` }), {
      onEvent: (e) => opts.log.debug('informer', { kind: 'secrets', ...e }),
    }).on({ delete: () => this.ensure() });
  }

  /** Starts watching; resolves once the Secret exists (created here or found). */
  async start(): Promise<void> {
    this.secret.start();
    await this.secret.synced;
    this.ensure();
    await this.ensuring;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.secret.stop();
    await this.ensuring;
  }

  /** Creates the Secret unless the informer holds it; one attempt at a time, retried on failure. */
  private ensure(): void {
    if (this.stopped) return;
    if (this.ensuring) {
      this.again = true;
      return;
    }
    this.ensuring = this.createIfAbsent()
      .catch((err: unknown) => {
        this.opts.log.warn('liveness_key_create_failed', { secret: LIVENESS_SECRET, err });
        this.again = true;
        return new Promise<void>((r) => setTimeout(r, 2_000).unref());
      })
      .finally(() => {
        this.ensuring = undefined;
        if (this.again) {
          this.again = false;
          this.ensure();
        }
      });
  }

  private async createIfAbsent(): Promise<void> {
    const { api, namespace, log } = this.opts;
    if (this.secret.get(`${namespace}/${LIVENESS_SECRET}`)) return;
    const body = generatedKeySecret(namespace, await this.owner());
    try {
      await api.json.request('POST', `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets`, { body, query: { fieldManager: 'portside-controller' } });
      log.info('liveness_key_created', { secret: LIVENESS_SECRET, namespace, owner: body.metadata?.ownerReferences?.[0]?.name ?? null });
    } catch (err) {
      if (!isAlreadyExists(err)) throw err; // made meanwhile (a user, or our previous leader): use it
    }
  }

  /** The controller Deployment as owner, or none (run outside the cluster, or it cannot be read). */
  private async owner(): Promise<V1OwnerReference | undefined> {
    const { api, namespace, deployment, log } = this.opts;
    try {
      const d = await api.json.request<V1Deployment>('GET', `/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}/deployments/${encodeURIComponent(deployment)}`);
      const uid = d.metadata?.uid;
      return uid ? { apiVersion: 'apps/v1', kind: 'Deployment', name: deployment, uid } : undefined;
    } catch (err) {
      log.debug('liveness_key_owner_unknown', { deployment, err });
      return undefined;
    }
  }
}

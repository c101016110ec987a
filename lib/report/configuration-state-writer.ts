// Writes a component's ConfigurationState object: created once (it has no spec), then its
// status is merge-patched whenever the result changes.
import type { V1OwnerReference } from '@kubernetes/client-node';
import { API_VERSION, GROUP, VERSION } from '../../crds/index.ts';
import { customPath, isAlreadyExists, StatusWriter } from '../k8s/index.ts';
import type { JsonClient, KubeApi } from '../k8s/index.ts';
import type { ConfigurationStateStatus } from './configuration-state.ts';

export interface ConfigurationStateTarget {
  readonly namespace: string;
  /** `controller` or `speaker-<node>`. */
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly owner?: V1OwnerReference;
}

export class ConfigurationStateWriter {
  private readonly json: JsonClient;
  private readonly status: StatusWriter;
  private readonly target: ConfigurationStateTarget;
  private created = false;
  private last = '';

  constructor(api: KubeApi, target: ConfigurationStateTarget, fieldManager: string) {
    this.json = api.json;
    this.status = new StatusWriter(api, fieldManager);
    this.target = target;
  }

  /** Writes `status` unless it equals the last one written (conditions' timestamps aside). */
  async write(status: ConfigurationStateStatus): Promise<void> {
    const fingerprint = JSON.stringify({ ...status, conditions: status.conditions.map((c) => ({ ...c, lastTransitionTime: undefined })) });
    if (fingerprint === this.last) return;
    const { namespace, name } = this.target;
    if (!this.created) {
      try {
        await this.json.create(customPath({ group: GROUP, version: VERSION, namespace, plural: 'configurationstates' }), {
          apiVersion: API_VERSION,
          kind: 'ConfigurationState',
          metadata: { name, namespace, labels: this.target.labels, ownerReferences: this.target.owner ? [this.target.owner] : undefined },
        });
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
      }
      this.created = true;
    }
    await this.status.patch({ group: GROUP, version: VERSION, plural: 'configurationstates', namespace, name }, status);
    this.last = fingerprint;
  }
}

// How one program talks to the Kubernetes API, made once in main and passed down to every
// informer, writer, elector and recorder: client-node clients and watches share one keep-alive
// dispatcher (`kc`), raw JSON calls one keep-alive agent (`json`). Two KubeApis share nothing.
import type { KubeConfig } from '@kubernetes/client-node';
import { KeepAliveKubeConfig } from './connections.ts';
import { JsonClient } from './json-client.ts';
import type { JsonClientOptions } from './json-client.ts';

export class KubeApi {
  /** For `makeApiClient` and `Watch`. */
  readonly kc: KeepAliveKubeConfig;
  /** For lists, `/version` and the controller's hot-path writes. */
  readonly json: JsonClient;

  /** Copies `kc` (it is left as it is) and opens nothing until the first call. */
  constructor(kc: KubeConfig, opts: JsonClientOptions = {}) {
    this.kc = KeepAliveKubeConfig.copyOf(kc, opts.clock);
    this.json = new JsonClient(this.kc, opts);
  }

  /** The API server's URL, for messages. */
  get server(): string {
    return this.kc.getCurrentCluster()?.server ?? '(no server)';
  }

  /** Closes both connection pools (at shutdown). */
  async close(): Promise<void> {
    this.json.close();
    await this.kc.close();
  }
}

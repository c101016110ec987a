// How one program talks to the Kubernetes API, made once in main and passed down to every
// informer, writer, elector and recorder: one JsonClient over one keep-alive agent. Two
// KubeApis share nothing.
import { JsonClient } from './json-client.ts';
import type { JsonClientOptions } from './json-client.ts';
import type { ClusterConfig } from './kubeconfig.ts';

export class KubeApi {
  readonly config: ClusterConfig;
  /** Every request and watch. */
  readonly json: JsonClient;

  /** Opens nothing until the first call. */
  constructor(config: ClusterConfig, opts: JsonClientOptions = {}) {
    this.config = config;
    this.json = new JsonClient(config, opts);
  }

  /** The API server's URL, for messages. */
  get server(): string {
    return this.config.server;
  }

  /** Closes the connection pool (at shutdown). */
  close(): Promise<void> {
    this.json.close();
    return Promise.resolve();
  }
}

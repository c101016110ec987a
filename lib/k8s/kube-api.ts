// How one program talks to the Kubernetes API, made once in main and passed down to every
// informer, writer, elector and recorder: one JsonClient over one keep-alive agent (and, for
// Events, a RequestPipeline with a few connections of its own). Two KubeApis share nothing.
import { JsonClient } from './json-client.ts';
import type { JsonClientOptions } from './json-client.ts';
import type { ClusterConfig } from './kubeconfig.ts';
import { RequestPipeline } from './pipeline.ts';

export class KubeApi {
  readonly config: ClusterConfig;
  /** Every request and watch. */
  readonly json: JsonClient;

  /** Opens nothing until the first call. */
  constructor(config: ClusterConfig, opts: JsonClientOptions = {}) {
    this.config = config;
    this.json = new JsonClient(config, opts);
  }

  private pipelined: RequestPipeline | undefined;

  /** Writes whose answer is only success or failure (Events), pipelined on connections of their own; made on first use. */
  get pipeline(): RequestPipeline {
    // The controller's Events go out 32 at a time once its writes are done (operator/writer.ts):
    // four pipelined on each (the server answers one request per connection at a time).
    return (this.pipelined ??= new RequestPipeline(this.json, { connections: 8 }));
  }

  /** The API server's URL, for messages. */
  get server(): string {
    return this.config.server;
  }

  /** Closes the connection pool (at shutdown). */
  close(): Promise<void> {
    this.pipelined?.close();
    this.json.close();
    return Promise.resolve();
  }
}

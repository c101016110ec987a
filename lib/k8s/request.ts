// A raw JSON request through a KubeConfig's credentials, with a hard timeout: for paths the
// generated clients do not cover generically (list of any resource, /version). One keep-alive
// JsonClient per KubeConfig carries them.
import type { KubeConfig } from '@kubernetes/client-node';
import { JsonClient } from './json-client.ts';
import type { JsonRequestOptions } from './json-client.ts';

export interface RequestJsonOptions extends JsonRequestOptions {
  /** GET unless given. */
  method?: string;
}

const clients = new WeakMap<KubeConfig, JsonClient>();

/** GETs (by default) `path` on the current cluster and parses the JSON answer; non-2xx rejects. */
export function requestJson<T>(kc: KubeConfig, path: string, opts: RequestJsonOptions = {}): Promise<T> {
  let client = clients.get(kc);
  if (!client) {
    client = new JsonClient(kc);
    clients.set(kc, client);
  }
  const { method = 'GET', ...rest } = opts;
  return client.request<T>(method, path, rest);
}

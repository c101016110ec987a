// A raw JSON request through a KubeConfig's credentials, with a hard timeout: for paths the
// generated clients do not cover generically (list of any resource, /version).
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

export class ApiRequestError extends Error {
  override name = 'ApiRequestError';
  readonly code: number | undefined;
  readonly body: string;
  constructor(message: string, code: number | undefined, body: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.body = body;
  }
}

export interface RequestJsonOptions {
  method?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** GETs (by default) `path` on the current cluster and parses the JSON answer; non-2xx rejects. */
export async function requestJson<T>(kc: KubeConfig, path: string, opts: RequestJsonOptions = {}): Promise<T> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new ApiRequestError('kubeconfig has no current cluster', undefined, '');
  const url = new URL(cluster.server.replace(/\/+$/, '') + path);
  const options: RequestOptions = { method: opts.method ?? 'GET', headers: { Accept: 'application/json' } };
  await kc.applyToHTTPSOptions(options);
  const timeoutMs = opts.timeoutMs ?? 30_000;
  return new Promise<T>((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, { ...options, timeout: timeoutMs, signal: opts.signal }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (err) => reject(new ApiRequestError(`${path}: ${err.message}`, undefined, '', { cause: err })));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const code = res.statusCode ?? 0;
        if (code < 200 || code >= 300) {
          let message = body;
          try {
            message = (JSON.parse(body) as { message?: string }).message ?? body;
          } catch {
            // not JSON
          }
          reject(new ApiRequestError(`${path}: HTTP ${code}: ${message}`, code, body));
          return;
        }
        try {
          resolve(JSON.parse(body) as T);
        } catch (err) {
          reject(new ApiRequestError(`${path}: invalid JSON`, code, body, { cause: err }));
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    req.on('error', (err) => reject(new ApiRequestError(`${url.origin}${path}: ${err.message}`, undefined, '', { cause: err })));
    req.end();
  });
}

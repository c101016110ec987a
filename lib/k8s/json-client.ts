// A lean JSON client for the Kubernetes API: node:https over keep-alive sockets, no model
// (de)serialization. client-node 2.0 costs several ms of CPU per call (a new undici Agent per
// request, ObjectSerializer over the whole object); at thousands of Services that CPU is taken
// from the apiserver on the same machine. The controller's hot-path writes, informer lists and
// /version go through the one a KubeApi holds. TLS material and auth come from the KubeConfig
// and are re-read every 30 s.
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { readTlsIdentity } from './tls-identity.ts';
import type { TlsIdentity } from './tls-identity.ts';
import { type Clock, systemClock } from '../time/clock.ts';

const REFRESH_MS = 30_000;

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

interface Connection {
  base: URL;
  agent: HttpAgent;
  /** False for client-node's proxy agent, which it caches and we must not destroy. */
  ownsAgent: boolean;
  /** Per-request TLS options: only a proxy agent needs them (it upgrades the tunnel itself). */
  tls: Pick<TlsIdentity, 'ca' | 'cert' | 'key' | 'rejectUnauthorized' | 'servername'>;
  headers: Record<string, string>;
  auth: string | undefined;
  fingerprint: string;
  at: number;
}

export interface JsonClientOptions {
  /** Default per-request timeout; 30 s. */
  timeoutMs?: number;
  maxSockets?: number;
  clock?: Clock;
}

export interface JsonRequestOptions {
  /** Sent as JSON when given. */
  body?: unknown;
  /** Content-Type of the body; `application/json` unless given. */
  contentType?: string;
  query?: Record<string, string>;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export class JsonClient {
  private readonly kc: KubeConfig;
  private readonly opts: JsonClientOptions;
  private conn: Promise<Connection> | undefined;

  constructor(kc: KubeConfig, opts: JsonClientOptions = {}) {
    this.kc = kc;
    this.opts = opts;
  }

  /** A JSON merge patch (`application/merge-patch+json`) of `path`; resolves to the object written. */
  mergePatch<T>(path: string, body: unknown, query: Record<string, string> = {}): Promise<T> {
    return this.request<T>('PATCH', path, { body, contentType: 'application/merge-patch+json', query });
  }

  /** `method` on `path` of the current cluster; parses the JSON answer, non-2xx rejects. */
  async request<T>(method: string, path: string, opts: JsonRequestOptions = {}): Promise<T> {
    const conn = await this.connection();
    const url = new URL(conn.base.pathname.replace(/\/+$/, '') + path, conn.base);
    for (const [k, v] of Object.entries(opts.query ?? {})) url.searchParams.set(k, v);
    const payload = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body));
    const headers: Record<string, string | number> = { ...conn.headers, Accept: 'application/json' };
    if (payload) Object.assign(headers, { 'Content-Type': opts.contentType ?? 'application/json', 'Content-Length': payload.length });
    const timeoutMs = opts.timeoutMs ?? this.opts.timeoutMs ?? 30_000;
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const what = `${method} ${path}`;
    return new Promise<T>((resolve, reject) => {
      const options = { ...conn.tls, method, headers, agent: conn.agent, auth: conn.auth, timeout: timeoutMs, signal: opts.signal };
      const req = send(url, options, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => reject(new ApiRequestError(`${what}: ${err.message}`, undefined, '', { cause: err })));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const code = res.statusCode ?? 0;
          if (code < 200 || code >= 300) {
            let message = text;
            try {
              message = (JSON.parse(text) as { message?: string }).message ?? text;
            } catch {
              // not JSON
            }
            reject(new ApiRequestError(`${what}: HTTP ${code}: ${message}`, code, text));
            return;
          }
          try {
            resolve(JSON.parse(text) as T);
          } catch (err) {
            reject(new ApiRequestError(`${what}: invalid JSON`, code, text, { cause: err }));
          }
        });
      });
      req.on('timeout', () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
      req.on('error', (err) => reject(new ApiRequestError(`${method} ${url.origin}${path}: ${err.message}`, undefined, '', { cause: err })));
      req.end(payload);
    });
  }

  close(): void {
    void this.conn?.then((c) => c.ownsAgent && c.agent.destroy(), () => undefined);
    this.conn = undefined;
  }

  private connection(): Promise<Connection> {
    const clock = this.opts.clock ?? systemClock;
    const current = this.conn;
    if (!current) {
      const first = this.connect(undefined);
      this.conn = first;
      first.catch(() => {
        if (this.conn === first) this.conn = undefined;
      });
      return first;
    }
    return current.then((c) => {
      if (clock.now() - c.at < REFRESH_MS || this.conn !== current) return c;
      // Keep the old connection when re-reading the credentials fails.
      const next = this.connect(c).catch(() => ({ ...c, at: clock.now() }));
      this.conn = next;
      return next;
    });
  }

  private async connect(previous: Connection | undefined): Promise<Connection> {
    const cluster = this.kc.getCurrentCluster();
    if (!cluster) throw new ApiRequestError('kubeconfig has no current cluster', undefined, '');
    const id = await readTlsIdentity(this.kc);
    const now = (this.opts.clock ?? systemClock).now();
    if (previous && previous.fingerprint === id.fingerprint) return { ...previous, headers: id.headers, auth: id.auth, at: now };
    const base = new URL(cluster.server);
    const common = { keepAlive: true, maxSockets: this.opts.maxSockets ?? 64 };
    const proxied = cluster.proxyUrl !== undefined && id.agent !== undefined;
    const agent = proxied
      ? id.agent!
      : base.protocol === 'https:'
        ? new HttpsAgent({ ...common, ca: id.ca, cert: id.cert, key: id.key, rejectUnauthorized: id.rejectUnauthorized, servername: id.servername })
        : new HttpAgent(common);
    // Requests in flight on the old agent finish; its idle sockets go after a while.
    if (previous?.ownsAgent) setTimeout(() => previous.agent.destroy(), 60_000).unref();
    const tls = proxied ? { ca: id.ca, cert: id.cert, key: id.key, rejectUnauthorized: id.rejectUnauthorized, servername: id.servername } : {};
    return { base, agent, ownsAgent: !proxied, tls, headers: id.headers, auth: id.auth, fingerprint: id.fingerprint, at: now };
  }
}

// A lean JSON client for the controller's hot path (one merge patch per Service): node:https
// over keep-alive sockets, no model (de)serialization. client-node 2.0 costs several ms of
// CPU per call (a new undici Agent per request, ObjectSerializer over the whole object);
// at thousands of Services that CPU is taken from the apiserver on the same machine.
// TLS material and auth headers come from the KubeConfig and are re-read every 30 s.
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { ApiRequestError } from '../lib/k8s/index.ts';

const REFRESH_MS = 30_000;

interface Connection {
  base: URL;
  agent: HttpAgent;
  headers: Record<string, string>;
  fingerprint: string;
  at: number;
}

export interface JsonClientOptions {
  timeoutMs?: number;
  maxSockets?: number;
  now?: () => number;
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
    return this.request<T>('PATCH', path, body, 'application/merge-patch+json', query);
  }

  async request<T>(method: string, path: string, body: unknown, contentType: string, query: Record<string, string> = {}): Promise<T> {
    const conn = await this.connection();
    const url = new URL(conn.base.pathname.replace(/\/+$/, '') + path, conn.base);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string | number> = { ...conn.headers, Accept: 'application/json' };
    if (payload) Object.assign(headers, { 'Content-Type': contentType, 'Content-Length': payload.length });
    const timeoutMs = this.opts.timeoutMs ?? 30_000;
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<T>((resolve, reject) => {
      const req = send(url, { method, headers, agent: conn.agent, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => reject(new ApiRequestError(`${method} ${path}: ${err.message}`, undefined, '', { cause: err })));
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
            reject(new ApiRequestError(`${method} ${path}: HTTP ${code}: ${message}`, code, text));
            return;
          }
          try {
            resolve(JSON.parse(text) as T);
          } catch (err) {
            reject(new ApiRequestError(`${method} ${path}: invalid JSON`, code, text, { cause: err }));
          }
        });
      });
      req.on('timeout', () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
      req.on('error', (err) => reject(new ApiRequestError(`${method} ${path}: ${err.message}`, undefined, '', { cause: err })));
      req.end(payload);
    });
  }

  close(): void {
    void this.conn?.then((c) => c.agent.destroy(), () => undefined);
    this.conn = undefined;
  }

  private connection(): Promise<Connection> {
    const now = this.opts.now ?? Date.now;
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
      if (now() - c.at < REFRESH_MS || this.conn !== current) return c;
      // Keep the old connection when re-reading the credentials fails.
      const next = this.connect(c).catch(() => ({ ...c, at: now() }));
      this.conn = next;
      return next;
    });
  }

  private async connect(previous: Connection | undefined): Promise<Connection> {
    const cluster = this.kc.getCurrentCluster();
    if (!cluster) throw new ApiRequestError('kubeconfig has no current cluster', undefined, '');
    const o: {
      ca?: Buffer; cert?: Buffer; key?: Buffer; rejectUnauthorized?: boolean; servername?: string;
      headers?: Record<string, string>;
    } = {};
    await this.kc.applyToHTTPSOptions(o);
    const headers = { ...(o.headers ?? {}) };
    const fingerprint = [o.ca, o.cert, o.key].map((b) => b?.toString('base64') ?? '').join('|') +
      `|${String(o.rejectUnauthorized)}|${o.servername ?? ''}`;
    const now = (this.opts.now ?? Date.now)();
    if (previous && previous.fingerprint === fingerprint) return { ...previous, headers, at: now };
    const base = new URL(cluster.server);
    const common = { keepAlive: true, maxSockets: this.opts.maxSockets ?? 64 };
    const agent = base.protocol === 'https:'
      ? new HttpsAgent({ ...common, ca: o.ca, cert: o.cert, key: o.key, rejectUnauthorized: o.rejectUnauthorized, servername: o.servername })
      : new HttpAgent(common);
    // Requests in flight on the old agent finish; its idle sockets go after a while.
    if (previous) setTimeout(() => previous.agent.destroy(), 60_000).unref();
    return { base, agent, headers, fingerprint, at: now };
  }
}

// A lean JSON client for the Kubernetes API: node:http(s) over one keep-alive agent
// (connections.ts), bodies as plain JSON, watches as a stream of lines. It is the only client
// the shipped programs use: @kubernetes/client-node loads its whole generated model set
// (≈ 90 MB of RSS in a 160 MB process), builds a new TLS agent for every call and runs every
// body through its ObjectSerializer (several ms of CPU per call at thousands of Services).
import { nodeHttp, nodeHttps } from '../node/builtins.ts';
import type { IncomingMessage } from '../node/builtins.ts';
import { ConnectionPool } from './connections.ts';
import type { ConnectionPoolOptions } from './connections.ts';
import type { ClusterConfig } from './kubeconfig.ts';
import { PatchType } from './patch.ts';
import { proxyEndpoint, proxyHeaders } from './proxy.ts';
import { statusText } from './protobuf.ts';

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

/** A non-2xx answer as an error, with the message of the Status object it carries. */
export function apiFailure(what: string, code: number, text: string): ApiRequestError {
  let message = text;
  try {
    message = (JSON.parse(text) as { message?: string }).message ?? text;
  } catch {
    // not JSON
  }
  return new ApiRequestError(`${what}: HTTP ${code}: ${message}`, code, text);
}

export interface JsonClientOptions extends ConnectionPoolOptions {
  /** Default per-request timeout; 30 s. */
  timeoutMs?: number;
}

export interface JsonRequestOptions {
  /** Sent as JSON when given. */
  body?: unknown;
  /** The body as JSON text already (instead of `body`). */
  payload?: string;
  /** Content-Type of the body; `application/json` unless given. */
  contentType?: string;
  query?: Record<string, string>;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** The answer is not wanted (an Event written): resolve with undefined instead of parsing it. */
  discardBody?: boolean;
}

export interface WatchStreamOptions {
  query?: Record<string, string>;
  /** The stream ends (resolves) when no line arrives for this long. */
  idleMs: number;
  signal: AbortSignal;
}

type Query = Record<string, string>;

interface Target {
  protocol: string;
  /** Without the brackets of an IPv6 literal, as node:http wants it. */
  hostname: string;
  port: string;
  /** The server URL's path, without its trailing slash, put before every API path. */
  prefix: string;
}

const targets = new WeakMap<URL, Target>();

/** After a response was read: a late error on it has nobody left to tell. */
const ignoreError = (): void => undefined;
const PROTOBUF = 'application/vnd.kubernetes.protobuf';
/** The body of an answer not kept (`discardBody`). */
const EMPTY = Buffer.alloc(0);

/** Where requests go, worked out once per server URL. */
function targetOf(base: URL): Target {
  let target = targets.get(base);
  if (!target) {
    const hostname = base.hostname.startsWith('[') ? base.hostname.slice(1, -1) : base.hostname;
    target = { protocol: base.protocol, hostname, port: base.port, prefix: base.pathname.replace(/\/+$/, '') };
    targets.set(base, target);
  }
  return target;
}

export class JsonClient {
  readonly pool: ConnectionPool;
  private readonly opts: JsonClientOptions;

  constructor(target: ClusterConfig | ConnectionPool, opts: JsonClientOptions = {}) {
    this.pool = target instanceof ConnectionPool ? target : new ConnectionPool(target, opts);
    this.opts = opts;
  }

  get<T>(path: string, query: Query = {}): Promise<T> {
    return this.request<T>('GET', path, { query });
  }

  create<T>(path: string, body: unknown, query: Query = {}): Promise<T> {
    return this.request<T>('POST', path, { body, query });
  }

  replace<T>(path: string, body: unknown, query: Query = {}): Promise<T> {
    return this.request<T>('PUT', path, { body, query });
  }

  patch<T>(path: string, body: unknown, type: PatchType, query: Query = {}): Promise<T> {
    return this.request<T>('PATCH', path, { body, contentType: type, query });
  }

  /** A JSON merge patch (`application/merge-patch+json`) of `path`; resolves to the object written. */
  mergePatch<T>(path: string, body: unknown, query: Query = {}): Promise<T> {
    return this.patch<T>(path, body, PatchType.merge, query);
  }

  delete<T>(path: string, query: Query = {}): Promise<T> {
    return this.request<T>('DELETE', path, { query });
  }

  /** `method` on `path` of the current cluster; parses the JSON answer, non-2xx rejects. */
  async request<T>(method: string, path: string, opts: JsonRequestOptions = {}): Promise<T> {
    const { code, text } = await this.exchange(method, path, opts);
    if (opts.discardBody) return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      throw new ApiRequestError(`${method} ${path}: invalid JSON`, code, text, { cause: err });
    }
  }

  /** As request, the answer as text (empty with `discardBody`). */
  async text(method: string, path: string, opts: JsonRequestOptions = {}): Promise<string> {
    return (await this.exchange(method, path, opts)).text;
  }

  /**
   * As request, with `accept` as the Accept header (a protobuf list: lib/k8s/protobuf.ts): the
   * answer's bytes and its Content-Type, unparsed. Non-2xx rejects as request does.
   */
  async binary(method: string, path: string, opts: JsonRequestOptions & { accept: string }): Promise<{ contentType: string; body: Buffer }> {
    const { body, contentType } = await this.receive(method, path, opts, opts.accept);
    return { contentType, body };
  }

  private async exchange(method: string, path: string, opts: JsonRequestOptions): Promise<{ code: number; text: string }> {
    const { code, body } = await this.receive(method, path, opts);
    return { code, text: body.length === 0 ? '' : body.toString('utf8') };
  }

  private async receive(method: string, path: string, opts: JsonRequestOptions, accept?: string): Promise<{ code: number; body: Buffer; contentType: string }> {
    const bodyText = opts.payload ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
    const payload = bodyText === undefined ? undefined : Buffer.from(bodyText);
    const res = await this.send(method, path, {
      query: opts.query, timeoutMs: opts.timeoutMs ?? this.opts.timeoutMs ?? 30_000, signal: opts.signal, payload,
      contentType: opts.contentType ?? 'application/json', accept,
    });
    const what = `${method} ${path}`;
    const code = res.statusCode ?? 0;
    const ok = code >= 200 && code < 300;
    const keep = !ok || !opts.discardBody;
    const body = await new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      const onData = (c: Buffer): void => void chunks.push(c);
      const onError = (err: Error): void => reject(new ApiRequestError(`${what}: ${err.message}`, undefined, '', { cause: err }));
      // Node's https Agent keeps, for as long as the connection lives, the request that opened
      // it and so its response: our listeners stay on that response, and with them the body's
      // chunks and its text (a 2,500-object list page: 3.7 MB held). Once read they go.
      const onEnd = (): void => {
        const all = keep ? Buffer.concat(chunks) : EMPTY;
        chunks.length = 0;
        res.off('data', onData).off('end', onEnd).off('error', onError).on('error', ignoreError);
        resolve(all);
      };
      res.on('error', onError);
      res.on('end', onEnd);
      if (keep) res.on('data', onData);
      else res.resume(); // read and dropped without a listener per chunk
    });
    const contentType = res.headers['content-type'] ?? '';
    if (!ok) {
      // Asked for protobuf, the server answers an error in it too: read as its JSON Status.
      const text = (contentType.startsWith(PROTOBUF) && statusText(body)) || body.toString('utf8');
      throw this.failure(what, code, text);
    }
    return { code, body, contentType };
  }

  /**
   * A watch (`?watch=1`) on `path`: calls `onLine` with each event object as it arrives and
   * resolves when the server closes the stream, the signal aborts it or it stays quiet for
   * `idleMs`; a non-2xx answer or a broken connection rejects.
   */
  async watch(path: string, onLine: (event: unknown) => void, opts: WatchStreamOptions): Promise<void> {
    // The socket's own timeout is a backstop: the idle timer below ends a quiet stream first.
    const res = await this.send('GET', path, { query: { ...opts.query, watch: '1' }, timeoutMs: opts.idleMs + 5_000, signal: opts.signal });
    const code = res.statusCode ?? 0;
    if (code < 200 || code >= 300) {
      const text = await new Promise<string>((resolve) => {
        let t = '';
        res.setEncoding('utf8').on('data', (c: string) => (t += c)).on('end', () => resolve(t)).on('error', () => resolve(t));
      });
      throw this.failure(`watch ${path}`, code, text);
    }
    await new Promise<void>((resolve, reject) => {
      let rest = '';
      let idle: NodeJS.Timeout | undefined;
      const quiet = (): void => {
        clearTimeout(idle);
        idle = setTimeout(() => res.destroy(), opts.idleMs);
      };
      quiet();
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        quiet();
        const lines = (rest + chunk).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) {
          if (line.trim() === '') continue;
          let event: unknown;
          try {
            event = JSON.parse(line);
          } catch (err) {
            clearTimeout(idle);
            reject(new ApiRequestError(`watch ${path}: an event that is not JSON`, code, line.slice(0, 200), { cause: err }));
            res.destroy();
            return;
          }
          onLine(event);
        }
      });
      // The server ending the stream, a quiet stream, an abort or a dropped connection all
      // end the watch the same way: the caller resumes from the last resourceVersion it saw.
      res.on('error', () => undefined);
      res.on('close', () => {
        clearTimeout(idle);
        resolve();
      });
    });
  }

  close(): void {
    this.pool.close();
  }

  private failure(what: string, code: number, text: string): ApiRequestError {
    if (code === 401) this.pool.invalidate(); // a rotated token or an expired exec credential
    return apiFailure(what, code, text);
  }

  private async send(
    method: string,
    path: string,
    o: { query?: Query; timeoutMs: number; signal?: AbortSignal; payload?: Buffer; contentType?: string; accept?: string },
  ): Promise<IncomingMessage> {
    const conn = await this.pool.get();
    const target = targetOf(conn.base);
    // The request line is built as text: no URL object per request (thousands of writes a second).
    const search = o.query ? new URLSearchParams(o.query).toString() : '';
    const headers: Record<string, string | number> = { ...conn.headers, Accept: o.accept ?? 'application/json' };
    if (o.payload) {
      headers['Content-Type'] = o.contentType ?? 'application/json';
      headers['Content-Length'] = o.payload.length;
    }
    const reqPath = search ? `${target.prefix}${path}?${search}` : target.prefix + path;
    const options = {
      protocol: target.protocol, hostname: target.hostname, port: target.port, path: reqPath,
      method, headers, agent: conn.agent, auth: conn.auth, timeout: o.timeoutMs, signal: o.signal,
    };
    const send = target.protocol === 'https:' ? nodeHttps().request : nodeHttp().request;
    // Through an http proxy, an http request names its absolute URL to the proxy (RFC 9112 §3.2.2).
    const proxy = conn.forwardProxy;
    const viaProxy = proxy && (() => {
      const ep = proxyEndpoint(proxy);
      return { ...options, protocol: 'http:', hostname: ep.host, port: ep.port, path: `${conn.base.origin}${reqPath}`, headers: { ...headers, Host: conn.base.host, ...proxyHeaders(proxy) } };
    })();
    return new Promise<IncomingMessage>((resolve, reject) => {
      const req = viaProxy ? nodeHttp().request(viaProxy, resolve) : send(options, resolve);
      req.on('timeout', () => req.destroy(Object.assign(new Error(`timed out after ${o.timeoutMs} ms`), { code: 'ETIMEDOUT' })));
      req.on('error', (err) => reject(new ApiRequestError(`${method} ${conn.base.origin}${path}: ${err.message}`, undefined, '', { cause: err })));
      req.end(o.payload);
    });
  }
}

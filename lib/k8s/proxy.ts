// A kubeconfig's `proxy-url` (an http:// proxy): an https API server is reached through an
// HTTP CONNECT tunnel, TLS end to end (the proxy sees only host and port); an http one by
// sending the proxy each request with its absolute URL. Credentials in the proxy URL
// (user:password@) go as Proxy-Authorization: Basic.
import type { Duplex } from 'node:stream';
import type { Agent as HttpsAgent, AgentOptions as HttpsAgentOptions, RequestOptions as HttpsRequestOptions } from 'node:https';
import { nodeHttp, nodeHttps } from '../node/builtins.ts';

export class ProxyError extends Error {
  override name = 'ProxyError';
}

/** The proxy's host as a socket takes it (no brackets around IPv6) and its port. */
export function proxyEndpoint(proxy: URL): { host: string; port: number } {
  return { host: proxy.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(proxy.port || 80) };
}

/** Proxy-Authorization for a proxy URL with credentials; none without. */
export function proxyHeaders(proxy: URL): Record<string, string> {
  if (proxy.username === '' && proxy.password === '') return {};
  const credentials = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
  return { 'Proxy-Authorization': `Basic ${Buffer.from(credentials).toString('base64')}` };
}

/** A keep-alive https agent whose every socket is a CONNECT tunnel through `proxy`. */
export function tunnelingAgent(proxy: URL, opts: HttpsAgentOptions): HttpsAgent & { readonly proxy: URL } {
  TunnelingAgent ??= tunnelingAgentClass();
  return new TunnelingAgent(proxy, opts);
}

// Defined at the first use: node:https, which it extends, is loaded then (lib/node/builtins.ts).
let TunnelingAgent: ReturnType<typeof tunnelingAgentClass> | undefined;

const tunnelingAgentClass = () => class TunnelingAgent extends nodeHttps().Agent {
  readonly proxy: URL;

  constructor(proxy: URL, opts: HttpsAgentOptions) {
    super(opts);
    this.proxy = proxy;
  }

  override createConnection(options: HttpsRequestOptions, callback?: (err: Error | null, stream: Duplex) => void): undefined {
    const done = callback ?? (() => undefined);
    const fail = (err: Error): void => done(err, undefined as unknown as Duplex);
    const host = String(options.host ?? options.hostname ?? 'localhost').replace(/^\[(.*)\]$/, '$1');
    const target = `${host.includes(':') ? `[${host}]` : host}:${String(options.port ?? 443)}`;
    const req = nodeHttp().request({
      ...proxyEndpoint(this.proxy),
      method: 'CONNECT',
      path: target,
      headers: { Host: target, ...proxyHeaders(this.proxy) },
      agent: false,
    });
    const timeoutMs = options.timeout ?? 30_000;
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`CONNECT timed out after ${timeoutMs} ms`)));
    req.once('connect', (res, socket, head) => {
      req.setTimeout(0);
      if (res.statusCode !== 200) {
        socket.destroy();
        fail(new ProxyError(`proxy ${this.proxy.host} refused CONNECT ${target}: HTTP ${res.statusCode} ${res.statusMessage ?? ''}`.trim()));
        return;
      }
      if (head.length > 0) socket.unshift(head);
      // TLS to the API server over the tunnel, with the agent's CA, client certificate and session cache.
      done(null, super.createConnection({ ...options, socket } as HttpsRequestOptions) as Duplex);
    });
    req.once('error', (err) => fail(new ProxyError(`proxy ${this.proxy.host}: ${err.message}`, { cause: err })));
    req.end();
    return undefined;
  }
};

// One keep-alive agent per API server for all of a program's requests and watches, with
// credentials read once and re-read every 30 s (or at once after a 401): a new agent only when
// the TLS identity changed, so rotated client certificates and CAs take effect, while a
// rotated bearer token (a projected service-account token) only changes a header. With a
// proxy-url the agent tunnels through it (https) or talks to it (http): proxy.ts.
import type { ConnectionOptions, SecureContext } from 'node:tls';
import { nodeHttp, nodeHttps, nodeTls } from '../node/builtins.ts';
import type { AgentType } from '../node/builtins.ts';
import { type Clock, systemClock } from '../time/clock.ts';
import { readCredentials } from './credentials.ts';
import { ExecCredentialCache } from './exec-credential.ts';
import type { ClusterConfig } from './kubeconfig.ts';
import { tunnelingAgent } from './proxy.ts';

const RECHECK_MS = 30_000;

export interface Connection {
  base: URL;
  agent: AgentType;
  headers: Record<string, string>;
  auth: string | undefined;
  fingerprint: string;
  at: number;
  /** An http API server's requests go to this proxy with absolute URLs (an https one's agent tunnels). */
  forwardProxy: URL | undefined;
  /**
   * What a socket of its own needs (RequestPipeline): the TLS options the agent was made with
   * (undefined for an http server), and whether requests go through a proxy (then only the agent
   * reaches the server).
   */
  direct: { tls: ConnectionOptions | undefined } | undefined;
}

export interface ConnectionPoolOptions {
  maxSockets?: number;
  /**
   * Close a kept-alive connection idle this long (the agent's `timeout`); default: kept open.
   * Each idle TLS connection holds ≈ 200 kB of OpenSSL and Node state (docs/benchmarks.md).
   */
  idleSocketMs?: number;
  clock?: Clock;
}

export class ConnectionPool {
  readonly config: ClusterConfig;
  private readonly clock: Clock;
  private readonly maxSockets: number;
  private readonly idleSocketMs: number | undefined;
  private readonly exec = new ExecCredentialCache();
  private current: Promise<Connection> | undefined;
  private stale = false;

  constructor(config: ClusterConfig, opts: ConnectionPoolOptions = {}) {
    this.config = config;
    this.clock = opts.clock ?? systemClock;
    this.maxSockets = opts.maxSockets ?? 64;
    this.idleSocketMs = opts.idleSocketMs;
  }

  /** The connection to use now. */
  get(): Promise<Connection> {
    const current = this.current;
    if (!current) {
      const first = this.connect(undefined);
      this.current = first;
      first.catch(() => {
        if (this.current === first) this.current = undefined; // the next call tries again
      });
      return first;
    }
    return current.then((c) => {
      if ((!this.stale && this.clock.now() - c.at < RECHECK_MS) || this.current !== current) return c;
      this.stale = false;
      // Keep the old credentials when re-reading them fails (a certificate file mid-rotation).
      const next = this.connect(c).catch(() => ({ ...c, at: this.clock.now() }));
      this.current = next;
      return next;
    });
  }

  /** The API refused our credentials: read them again before the next request. */
  invalidate(): void {
    this.stale = true;
    this.exec.invalidate();
  }

  /** Destroys the agent's sockets (at shutdown). */
  close(): void {
    void this.current?.then((c) => c.agent.destroy(), () => undefined);
    this.current = undefined;
  }

  private async connect(previous: Connection | undefined): Promise<Connection> {
    const id = await readCredentials(this.config, this.exec);
    const at = this.clock.now();
    if (previous && previous.fingerprint === id.fingerprint) return { ...previous, headers: id.headers, auth: id.auth, at };
    const base = new URL(this.config.server);
    const proxy = this.config.proxyUrl === undefined ? undefined : new URL(this.config.proxyUrl);
    const common = { keepAlive: true, maxSockets: this.maxSockets, ...(this.idleSocketMs !== undefined ? { timeout: this.idleSocketMs } : {}) };
    // One TLS context (the CA, client certificate and key parsed once) for every connection of
    // these credentials: given ca/cert/key, each connection built its own, ≈ 0.3 MB and 1–5 ms
    // of CPU each (docs/benchmarks.md). Credentials OpenSSL refuses go to each connection as
    // before, which fails with OpenSSL's error, as it did.
    const secureContext = base.protocol === 'https:' ? sharedContext(id) : undefined;
    const tlsOwn = secureContext
      ? { secureContext, rejectUnauthorized: id.rejectUnauthorized, servername: id.servername }
      : { ca: id.ca, cert: id.cert, key: id.key, rejectUnauthorized: id.rejectUnauthorized, servername: id.servername };
    const tls = { ...common, ...tlsOwn };
    const https = base.protocol === 'https:';
    const agent = https ? (proxy ? tunnelingAgent(proxy, tls) : new (nodeHttps().Agent)(tls)) : new (nodeHttp().Agent)(common);
    // Requests in flight on the old agent finish; its sockets go after a while.
    if (previous) setTimeout(() => previous.agent.destroy(), 60_000).unref();
    return {
      base, agent, headers: id.headers, auth: id.auth, fingerprint: id.fingerprint, at, forwardProxy: https ? undefined : proxy,
      direct: proxy ? undefined : { tls: https ? tlsOwn : undefined },
    };
  }
}

function sharedContext(id: { ca?: ConnectionOptions['ca']; cert?: ConnectionOptions['cert']; key?: ConnectionOptions['key'] }): SecureContext | undefined {
  try {
    return nodeTls().createSecureContext({ ca: id.ca, cert: id.cert, key: id.key });
  } catch {
    return undefined;
  }
}

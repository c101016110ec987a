// client-node 2.0 builds a new undici Agent for every API call and reads the certificate files
// again, so every request pays a fresh TCP + TLS handshake and leaves an idle socket behind.
// A KeepAliveKubeConfig hands all its API clients and watches one keep-alive dispatcher and
// credentials read once; it re-reads them every 30 s and makes a new dispatcher only when the
// TLS identity changed, so rotated client certificates still take effect.
import { HttpMethod, KubeConfig, RequestContext } from '@kubernetes/client-node';
import { type Clock, systemClock } from '../time/clock.ts';
import { readTlsIdentity } from './tls-identity.ts';

type Dispatcher = NonNullable<ReturnType<RequestContext['getDispatcher']>>;

const RECHECK_MS = 30_000;

interface Credentials {
  /** Auth headers (tokens, exec plugins, basic auth). */
  headers: Record<string, string>;
  /** Undefined for plain http without TLS material. */
  dispatcher: Dispatcher | undefined;
  fingerprint: string;
  at: number;
}

export class KeepAliveKubeConfig extends KubeConfig {
  private readonly clock: Clock;
  private current: Promise<Credentials> | undefined;

  constructor(clock: Clock = systemClock) {
    super();
    this.clock = clock;
  }

  /** A KeepAliveKubeConfig with `kc`'s clusters, users and current context; `kc` is left as it is. */
  static copyOf(kc: KubeConfig, clock?: Clock): KeepAliveKubeConfig {
    const copy = new KeepAliveKubeConfig(clock);
    copy.loadFromOptions({
      clusters: kc.getClusters(),
      users: kc.getUsers(),
      contexts: kc.getContexts(),
      currentContext: kc.getCurrentContext(),
    });
    return copy;
  }

  /** What client-node calls before each request and watch: the shared credentials and dispatcher. */
  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    const { headers, dispatcher } = await this.credentials();
    for (const [name, value] of Object.entries(headers)) context.setHeaderParam(name, value);
    if (dispatcher) context.setDispatcher(dispatcher);
  }

  /** Closes the shared dispatcher once its requests (and watches) finish. */
  async close(): Promise<void> {
    const current = this.current;
    this.current = undefined;
    const c = await current?.catch(() => undefined);
    await c?.dispatcher?.close();
  }

  private credentials(): Promise<Credentials> {
    const current = this.current;
    if (!current) {
      const first = this.read(undefined);
      this.current = first;
      first.catch(() => {
        if (this.current === first) this.current = undefined; // the next call tries again
      });
      return first;
    }
    return current.then((c) => {
      if (this.clock.now() - c.at < RECHECK_MS || this.current !== current) return c;
      // Keep the old credentials when re-reading them fails (a certificate file mid-rotation).
      const next = this.read(c).catch(() => ({ ...c, at: this.clock.now() }));
      this.current = next;
      return next;
    });
  }

  private async read(previous: Credentials | undefined): Promise<Credentials> {
    const scratch = new RequestContext(this.getCurrentCluster()?.server ?? 'http://localhost', HttpMethod.GET);
    await super.applySecurityAuthentication(scratch); // headers, and a new Agent that has connected nothing
    const { fingerprint } = await readTlsIdentity(this);
    const headers = { ...scratch.getHeaders() };
    const fresh = scratch.getDispatcher();
    const at = this.clock.now();
    if (previous && previous.fingerprint === fingerprint) {
      void fresh?.close().catch(() => undefined);
      return { ...previous, headers, at };
    }
    void previous?.dispatcher?.close().catch(() => undefined); // in-flight requests finish first
    return { headers, dispatcher: fresh, fingerprint, at };
  }
}

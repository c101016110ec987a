// client-node 2.0 builds a new undici Agent for every API call, so every request pays a
// fresh TCP + TLS handshake (client and apiserver CPU) and leaves an idle socket behind.
// This makes a KubeConfig's API clients share one keep-alive Agent per TLS identity; the
// identity is re-read now and then, so rotated client certificates still take effect.
import { KubeConfig } from '@kubernetes/client-node';
import type { RequestContext } from '@kubernetes/client-node';
import { readTlsIdentity } from './tls-identity.ts';

type Dispatcher = NonNullable<ReturnType<RequestContext['getDispatcher']>>;

const RECHECK_MS = 30_000;

/** KubeConfigs already patched, so wrapping twice is a no-op. */
const sharing = new WeakSet<KubeConfig>();

/** Makes `kc`'s API clients (and watches) reuse keep-alive connections; changes `kc` itself. */
export function shareConnections(kc: KubeConfig, now: () => number = Date.now): KubeConfig {
  if (sharing.has(kc)) return kc;
  sharing.add(kc);
  const original = kc.applySecurityAuthentication.bind(kc);
  let shared: { fingerprint: string | undefined; dispatcher: Dispatcher; checkedAt: number } | undefined;
  let checking = false;
  const recheck = async (fresh: Dispatcher): Promise<void> => {
    const { fingerprint } = await readTlsIdentity(kc);
    if (!shared) return;
    shared.checkedAt = now();
    if (shared.fingerprint === undefined || shared.fingerprint === fingerprint) {
      shared.fingerprint = fingerprint;
      return;
    }
    const old = shared.dispatcher;
    shared = { fingerprint, dispatcher: fresh, checkedAt: shared.checkedAt };
    void old.close().catch(() => undefined); // in-flight requests finish first
  };
  kc.applySecurityAuthentication = async (context: RequestContext): Promise<void> => {
    await original(context); // headers (tokens, exec plugins) and a throwaway, unconnected Agent
    const fresh = context.getDispatcher();
    if (!fresh) return; // plain http without TLS material: nothing to share
    shared ??= { fingerprint: undefined, dispatcher: fresh, checkedAt: -Infinity };
    if (!checking && now() - shared.checkedAt >= RECHECK_MS) {
      checking = true;
      void recheck(fresh).catch(() => undefined).finally(() => (checking = false));
    }
    context.setDispatcher(shared.dispatcher);
  };
  return kc;
}

/** A copy of `kc` whose API clients reuse keep-alive connections (`kc` itself if it already does). */
export function reuseConnections(kc: KubeConfig, now: () => number = Date.now): KubeConfig {
  if (sharing.has(kc)) return kc;
  const copy = new KubeConfig();
  copy.loadFromOptions({
    clusters: kc.getClusters(),
    users: kc.getUsers(),
    contexts: kc.getContexts(),
    currentContext: kc.getCurrentContext(),
  });
  return shareConnections(copy, now);
}

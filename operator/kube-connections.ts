// client-node 2.0 builds a new undici Agent for every API call, so every request pays a
// fresh TCP + TLS handshake (client and apiserver CPU) and leaves an idle socket behind.
// This wraps a KubeConfig so its API clients share one keep-alive Agent per TLS identity;
// the identity is re-read now and then, so rotated client certificates still take effect.
// (It belongs in lib/k8s next to loadKubeConfig; kept here until that package takes it.)
import { createHash } from 'node:crypto';
import { KubeConfig } from '@kubernetes/client-node';
import type { RequestContext } from '@kubernetes/client-node';

type Dispatcher = NonNullable<ReturnType<RequestContext['getDispatcher']>>;

const RECHECK_MS = 30_000;

async function tlsFingerprint(kc: KubeConfig): Promise<string> {
  const opts: { ca?: Buffer; cert?: Buffer; key?: Buffer; rejectUnauthorized?: boolean; servername?: string } = {};
  await kc.applyToHTTPSOptions(opts);
  const h = createHash('sha256');
  for (const part of [opts.ca, opts.cert, opts.key]) h.update(part ?? '').update('\0');
  h.update(`${kc.getCurrentCluster()?.server}|${String(opts.rejectUnauthorized)}|${opts.servername ?? ''}`);
  return h.digest('hex');
}

/** A copy of `kc` whose API clients reuse keep-alive connections. */
export function reuseConnections(kc: KubeConfig, now: () => number = Date.now): KubeConfig {
  const copy = new KubeConfig();
  copy.loadFromOptions({
    clusters: kc.getClusters(),
    users: kc.getUsers(),
    contexts: kc.getContexts(),
    currentContext: kc.getCurrentContext(),
  });
  const original = copy.applySecurityAuthentication.bind(copy);
  let shared: { fingerprint: string | undefined; dispatcher: Dispatcher; checkedAt: number } | undefined;
  let checking = false;
  const recheck = async (fresh: Dispatcher): Promise<void> => {
    const fingerprint = await tlsFingerprint(copy);
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
  copy.applySecurityAuthentication = async (context: RequestContext): Promise<void> => {
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
  return copy;
}

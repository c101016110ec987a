// Where the programs find the API server: --kubeconfig, then $KUBECONFIG, then in-cluster.
// The KubeConfig returned reuses keep-alive connections (connections.ts) for every client.
import { existsSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { shareConnections } from './connections.ts';
import { requestJson } from './request.ts';

export interface LoadKubeConfigOptions {
  /** Path from the --kubeconfig flag. */
  kubeconfig?: string;
  /** Defaults to process.env; injected so tests need no global state. */
  env?: Record<string, string | undefined>;
}

export class KubeConfigError extends Error {
  override name = 'KubeConfigError';
}

const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export type KubeConfigSource = 'flag' | 'env' | 'in-cluster';

export function loadKubeConfig(opts: LoadKubeConfigOptions = {}): { kc: KubeConfig; source: KubeConfigSource } {
  const env = opts.env ?? process.env;
  const kc = new KubeConfig();
  const fromFile = (path: string, source: KubeConfigSource): { kc: KubeConfig; source: KubeConfigSource } => {
    try {
      kc.loadFromFile(path);
    } catch (err) {
      throw new KubeConfigError(`cannot load kubeconfig ${path}: ${(err as Error).message}`, { cause: err });
    }
    if (!kc.getCurrentCluster()) throw new KubeConfigError(`kubeconfig ${path} has no current cluster`);
    return { kc: shareConnections(kc), source };
  };
  if (opts.kubeconfig) return fromFile(opts.kubeconfig, 'flag');
  const envPath = env.KUBECONFIG?.split(':').find((p) => p.length > 0);
  if (envPath) return fromFile(envPath, 'env');
  if (env.KUBERNETES_SERVICE_HOST && existsSync(SERVICE_ACCOUNT_TOKEN)) {
    kc.loadFromCluster();
    return { kc: shareConnections(kc), source: 'in-cluster' };
  }
  throw new KubeConfigError(
    'no Kubernetes API configured: pass --kubeconfig, set $KUBECONFIG, or run in a cluster',
  );
}

export interface ServerVersion {
  gitVersion: string;
  major: string;
  minor: string;
}

/** Calls /version with a short timeout; throws one clear error when unreachable. */
export async function checkApiReachable(kc: KubeConfig, timeoutMs = 5_000): Promise<ServerVersion> {
  const server = kc.getCurrentCluster()?.server ?? '(no server)';
  try {
    return await requestJson<ServerVersion>(kc, '/version', { timeoutMs });
  } catch (err) {
    throw new KubeConfigError(`Kubernetes API at ${server} unreachable: ${(err as Error).message}`, { cause: err });
  }
}

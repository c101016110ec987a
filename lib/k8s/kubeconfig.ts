// Where the programs find the API server: --kubeconfig, then $KUBECONFIG, then in-cluster.
// main wraps the KubeConfig found in a KubeApi (kube-api.ts), which holds the connections.
import { existsSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import type { KubeApi } from './kube-api.ts';

export interface LoadKubeConfigOptions {
  /** Path from the --kubeconfig flag. */
  kubeconfig?: string;
  /** The process environment, passed in by main. */
  env: Record<string, string | undefined>;
}

export class KubeConfigError extends Error {
  override name = 'KubeConfigError';
}

const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export type KubeConfigSource = 'flag' | 'env' | 'in-cluster';

export function loadKubeConfig(opts: LoadKubeConfigOptions): { kc: KubeConfig; source: KubeConfigSource } {
  const { env } = opts;
  const kc = new KubeConfig();
  const fromFile = (path: string, source: KubeConfigSource): { kc: KubeConfig; source: KubeConfigSource } => {
    try {
      kc.loadFromFile(path);
    } catch (err) {
      throw new KubeConfigError(`cannot load kubeconfig ${path}: ${(err as Error).message}`, { cause: err });
    }
    if (!kc.getCurrentCluster()) throw new KubeConfigError(`kubeconfig ${path} has no current cluster`);
    return { kc, source };
  };
  if (opts.kubeconfig) return fromFile(opts.kubeconfig, 'flag');
  const envPath = env.KUBECONFIG?.split(':').find((p) => p.length > 0);
  if (envPath) return fromFile(envPath, 'env');
  if (env.KUBERNETES_SERVICE_HOST && existsSync(SERVICE_ACCOUNT_TOKEN)) {
    kc.loadFromCluster();
    return { kc, source: 'in-cluster' };
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
export async function checkApiReachable(api: KubeApi, timeoutMs = 5_000): Promise<ServerVersion> {
  try {
    return await api.json.request<ServerVersion>('GET', '/version', { timeoutMs });
  } catch (err) {
    throw new KubeConfigError(`Kubernetes API at ${api.server} unreachable: ${(err as Error).message}`, { cause: err });
  }
}

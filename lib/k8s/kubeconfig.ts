// Where the programs find the API server: --kubeconfig, then $KUBECONFIG, then in-cluster.
// The result is plain data (ClusterConfig) naming files rather than holding their contents,
// so rotated certificates and projected service-account tokens are re-read
// (credentials.ts); main wraps it in a KubeApi (kube-api.ts), which holds the connections.
// We read kubeconfig ourselves: @kubernetes/client-node loads its whole generated model set
// (≈ 90 MB of RSS) into a process that only needs a few paths and a token.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import type { KubeApi } from './kube-api.ts';

/** PEM text (or a token) given inline, or a file to read (and re-read). */
export type Material = { data: string } | { file: string };

/** A client.authentication.k8s.io exec credential plugin (kubeconfig `user.exec`). */
export interface ExecPlugin {
  command: string;
  args: string[];
  env: Record<string, string>;
  apiVersion: string;
  /** Resolves a relative `command` (kubectl's rule: relative to the kubeconfig's folder when it has a slash). */
  cwd?: string;
}

/** How to reach and authenticate to one API server. */
export interface ClusterConfig {
  server: string;
  ca?: Material;
  insecureSkipTlsVerify?: boolean;
  tlsServerName?: string;
  clientCert?: Material;
  clientKey?: Material;
  /** A bearer token, or the file a kubelet keeps rotating it in. */
  token?: Material;
  basic?: { username: string; password: string };
  exec?: ExecPlugin;
  /** The current context's namespace, when it names one. */
  namespace?: string;
  /** The cluster's `proxy-url` (http:// only): every connection goes through it (proxy.ts). */
  proxyUrl?: string;
}

export interface LoadKubeConfigOptions {
  /** Path from the --kubeconfig flag. */
  kubeconfig?: string;
  /** The process environment, passed in by main. */
  env: Record<string, string | undefined>;
  /** Where the service-account token, CA and namespace are mounted (tests change it). */
  serviceAccountDir?: string;
}

export class KubeConfigError extends Error {
  override name = 'KubeConfigError';
}

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export type KubeConfigSource = 'flag' | 'env' | 'in-cluster';

export async function loadKubeConfig(opts: LoadKubeConfigOptions): Promise<{ config: ClusterConfig; source: KubeConfigSource }> {
  const { env } = opts;
  if (opts.kubeconfig) return { config: await fromFile(opts.kubeconfig), source: 'flag' };
  const envPath = env.KUBECONFIG?.split(':').find((p) => p.length > 0);
  if (envPath) return { config: await fromFile(envPath), source: 'env' };
  const saDir = opts.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  const host = env.KUBERNETES_SERVICE_HOST;
  if (host && existsSync(join(saDir, 'token'))) {
    const port = env.KUBERNETES_SERVICE_PORT || '443';
    const server = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
    return { config: { server, ca: { file: join(saDir, 'ca.crt') }, token: { file: join(saDir, 'token') } }, source: 'in-cluster' };
  }
  throw new KubeConfigError(
    'no Kubernetes API configured: pass --kubeconfig, set $KUBECONFIG, or run in a cluster',
  );
}

async function fromFile(path: string): Promise<ClusterConfig> {
  let doc: unknown;
  try {
    const text = await readFile(path, 'utf8');
    doc = await parseDocument(text);
  } catch (err) {
    throw new KubeConfigError(`cannot load kubeconfig ${path}: ${(err as Error).message}`, { cause: err });
  }
  try {
    return clusterConfigOf(doc, dirname(path));
  } catch (err) {
    throw new KubeConfigError(`kubeconfig ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/** JSON is YAML; only a YAML file loads the YAML parser (a Pod in the cluster never does). */
async function parseDocument(text: string): Promise<unknown> {
  try {
    return JSON.parse(text);
  } catch {
    const { load } = await import('js-yaml');
    return load(text);
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function named(doc: Obj, list: string, field: string, name: string): Obj {
  const entries = Array.isArray(doc[list]) ? (doc[list] as unknown[]) : [];
  const found = entries.find((e) => isObj(e) && e.name === name);
  if (!isObj(found)) throw new Error(`${list} has no entry named "${name}"`);
  const value = found[field];
  return isObj(value) ? value : {};
}

/** The current context of a parsed kubeconfig document, relative paths resolved against `base`. */
export function clusterConfigOf(doc: unknown, base: string): ClusterConfig {
  if (!isObj(doc)) throw new Error('not a kubeconfig document');
  const contextName = doc['current-context'];
  if (typeof contextName !== 'string' || contextName === '') throw new Error('has no current context');
  const context = named(doc, 'contexts', 'context', contextName);
  if (typeof context.cluster !== 'string') throw new Error(`context "${contextName}" names no cluster`);
  const cluster = named(doc, 'clusters', 'cluster', context.cluster);
  const user = typeof context.user === 'string' && context.user !== '' ? named(doc, 'users', 'user', context.user) : {};
  const str = (o: Obj, k: string): string | undefined => (typeof o[k] === 'string' && o[k] !== '' ? o[k] : undefined);
  const path = (p: string): string => (isAbsolute(p) ? p : join(base, p));
  const material = (o: Obj, dataKey: string, fileKey: string, decode: boolean): Material | undefined => {
    const data = str(o, dataKey);
    if (data !== undefined) return { data: decode ? Buffer.from(data, 'base64').toString('utf8') : data };
    const file = str(o, fileKey);
    return file === undefined ? undefined : { file: path(file) };
  };
  const server = str(cluster, 'server');
  if (!server) throw new Error(`cluster "${context.cluster}" has no server`);
  const proxyUrl = str(cluster, 'proxy-url');
  if (proxyUrl !== undefined) checkProxyUrl(proxyUrl, context.cluster);
  if (user['auth-provider'] !== undefined) {
    throw new Error(`user "${String(context.user)}": auth-provider plugins are not supported (use an exec plugin or a token)`);
  }
  const config: ClusterConfig = { server };
  if (proxyUrl !== undefined) config.proxyUrl = proxyUrl;
  const namespace = str(context, 'namespace');
  if (namespace) config.namespace = namespace;
  const ca = material(cluster, 'certificate-authority-data', 'certificate-authority', true);
  if (ca) config.ca = ca;
  if (cluster['insecure-skip-tls-verify'] === true) config.insecureSkipTlsVerify = true;
  const serverName = str(cluster, 'tls-server-name');
  if (serverName) config.tlsServerName = serverName;
  const cert = material(user, 'client-certificate-data', 'client-certificate', true);
  const key = material(user, 'client-key-data', 'client-key', true);
  if (cert) config.clientCert = cert;
  if (key) config.clientKey = key;
  const token = material(user, 'token', 'tokenFile', false);
  if (token) config.token = token;
  const username = str(user, 'username');
  if (username) config.basic = { username, password: str(user, 'password') ?? '' };
  if (isObj(user.exec)) config.exec = execPluginOf(user.exec, base);
  return config;
}

/** An http:// proxy; https:// and socks5:// proxies (client-go has them) are refused by name. */
function checkProxyUrl(proxyUrl: string, cluster: string): void {
  let url: URL;
  try {
    url = new URL(proxyUrl);
  } catch (err) {
    throw new Error(`cluster "${cluster}": proxy-url "${proxyUrl}" is not a URL`, { cause: err });
  }
  if (url.protocol !== 'http:') {
    throw new Error(`cluster "${cluster}": proxy-url scheme ${url.protocol.replace(/:$/, '')} is not supported (http:// proxies only)`);
  }
}

function execPluginOf(exec: Obj, base: string): ExecPlugin {
  if (typeof exec.command !== 'string' || exec.command === '') throw new Error('exec plugin has no command');
  const env: Record<string, string> = {};
  for (const e of Array.isArray(exec.env) ? exec.env : []) {
    if (isObj(e) && typeof e.name === 'string') env[e.name] = String(e.value ?? '');
  }
  return {
    command: exec.command,
    args: Array.isArray(exec.args) ? exec.args.map(String) : [],
    env,
    apiVersion: typeof exec.apiVersion === 'string' ? exec.apiVersion : 'client.authentication.k8s.io/v1',
    cwd: base,
  };
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

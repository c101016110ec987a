// A real etcd + kube-apiserver (+ optional kube-controller-manager and kube-scheduler) on
// free ports with fresh certs, for `*.apiserver.test.ts` files and the labs, whose nodes may
// be real kubelets (e2e/nodes). See DESIGN.md "Real components in tests".
import { execFile } from 'node:child_process';
import { access, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { isAlreadyExists } from '../lib/k8s/errors.ts';
import { loadKubeConfig as loadClusterConfig } from '../lib/k8s/kubeconfig.ts';
import type { ClusterConfig } from '../lib/k8s/kubeconfig.ts';
import { clientPair, generatePki, kubeconfigYaml, RESTRICTED_USER } from './controlplane.certs.ts';
import { installCrds } from './controlplane.crds.ts';
import {
  freePort, logTail, registerTempDir, removeTempDir, spawnLogged, stopProcess,
} from './controlplane.process.ts';
import type { ManagedProcess } from './controlplane.process.ts';
import { waitHealthy } from './controlplane.probe.ts';

export { controlPlaneOrSkip, sharedControlPlane } from './controlplane.shared.ts';
export { RESTRICTED_USER };

const run = promisify(execFile);
const BUILD_SCRIPT = new URL('../hack/controlplane/build.sh', import.meta.url).pathname;

/**
 * Service ClusterIP ranges: kubeadm's and kind's defaults. ClusterIPs are only data here
 * (never on an interface), and these stay disjoint from the lab's documentation ranges
 * (198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32), so an allocator bug cannot hand out
 * a ClusterIP as a LoadBalancer IP unnoticed. Dual-stack, so dual-stack Services work.
 */
export const SERVICE_CIDRS = ['10.96.0.0/16', 'fd00:10:96::/108'] as const;
export const INSTALL_NAMESPACE = 'portside-system';
/** What kube-controller-manager runs unless told otherwise: enough for the operator's tests. */
export const DEFAULT_CONTROLLERS = ['endpointslice-controller', 'garbage-collector-controller', 'namespace-controller'] as const;

export interface ControlPlaneOptions {
  /** Also run kube-controller-manager (DEFAULT_CONTROLLERS). */
  controllerManager?: boolean;
  /** Run kube-controller-manager with these controllers instead (implies controllerManager). */
  controllers?: readonly string[];
  /** Also run kube-scheduler (built by `hack/controlplane/build.sh nodes`). */
  scheduler?: boolean;
  /**
   * Serve real kubelets (e2e/nodes): the Node authorizer and NodeRestriction, ServiceAccount
   * admission (Pods get tokens) and the `kubernetes` Service's endpoints, which need a
   * bindAddress that is not loopback.
   */
  kubelets?: boolean;
  /** Offer `restrictedKubeconfig` (user portside-test-user, no RBAC bindings). Default true; false makes it throw. */
  restrictedUser?: boolean;
  /** Install crds/*.yaml and wait until Established. Default true. */
  crds?: boolean;
  /** Address the apiserver binds and advertises. Default 127.0.0.1. */
  bindAddress?: string;
  /** Deadline for each component to become healthy. Default 120 s (a loaded 2-core CI box is slow). */
  readyTimeoutMs?: number;
  /** Use the binaries in this directory instead of asking hack/controlplane/build.sh. */
  binDir?: string;
  /** Extra kube-apiserver flags, e.g. a short `--etcd-compaction-interval` to expire old resourceVersions. */
  apiserverArgs?: string[];
}

export interface ControlPlane {
  url: string;
  kubeconfigPath: string;
  kubeconfig: KubeConfig;
  /** The admin kubeconfig as the shipped programs read it (for KubeApi and JsonClient). */
  clusterConfig: ClusterConfig;
  restrictedKubeconfigPath: string;
  restrictedKubeconfig: KubeConfig;
  restrictedClusterConfig: ClusterConfig;
  /** Names of the CRDs installed and Established. */
  crds: string[];
  /** CRDs from crds/ that the apiserver rejected (each also logged as one loud line). */
  crdFailures: { name: string; message: string }[];
  /** Temp dir with certs, data and `<component>.log` files (removed by stop()). */
  dir: string;
  binDir: string;
  /** The cluster CA's certificate (what a client verifies the apiserver with). */
  caCert: string;
  startupMs: number;
  /** What runs now, in start order (for fault injection: SIGKILL by PID). */
  readonly processes: { name: string; pid: number }[];
  /**
   * Stops the kube-apiserver by its PID (SIGTERM, or SIGKILL with `kill`) and starts it again
   * with the same flags, port and certificates; resolves once /readyz answers.
   */
  restartApiserver(opts?: { kill?: boolean }): Promise<void>;
  /** A kubeconfig for a client cert from the cluster CA, e.g. `/O=system:nodes/CN=system:node:n1`; returns its path. */
  clientKubeconfig(name: string, subject: string): Promise<string>;
  stop(): Promise<void>;
}

/** The binaries cannot be found or built here: tests skip (or fail under CI=true). */
export class ControlPlaneUnavailable extends Error {
  override name = 'ControlPlaneUnavailable';
}

class PortClash extends Error {}

let startsInThisProcess = 0;

async function askBuildScript(nodes: boolean): Promise<string> {
  try {
    const { stdout } = await run('bash', [BUILD_SCRIPT, ...(nodes ? ['nodes'] : [])], { maxBuffer: 16 << 20 });
    return stdout.trim().split('\n').pop() ?? '';
  } catch (err) {
    const stderr = String((err as { stderr?: string }).stderr ?? '').trim().split('\n').slice(-5).join('\n');
    throw new ControlPlaneUnavailable(`hack/controlplane/build.sh failed: ${stderr || (err as Error).message}`, {
      cause: err,
    });
  }
}

async function findBinaries(opts: ControlPlaneOptions): Promise<string> {
  const dir = opts.binDir ?? (await askBuildScript(opts.scheduler === true));
  const need = ['etcd', 'kube-apiserver'];
  if (wantsKcm(opts)) need.push('kube-controller-manager');
  if (opts.scheduler) need.push('kube-scheduler');
  for (const bin of need) {
    try {
      await access(join(dir, bin));
    } catch (err) {
      throw new ControlPlaneUnavailable(`${bin} not found in ${dir}`, { cause: err });
    }
  }
  return dir;
}

const noFsyncSupport = new Map<string, boolean>();
async function etcdSupportsNoFsync(etcd: string): Promise<boolean> {
  let known = noFsyncSupport.get(etcd);
  if (known === undefined) {
    const out = await run(etcd, ['--help']).then((r) => r.stdout + r.stderr, (e: { stdout?: string }) => e.stdout ?? '');
    known = out.includes('--unsafe-no-fsync');
    noFsyncSupport.set(etcd, known);
  }
  return known;
}

const wantsKcm = (opts: ControlPlaneOptions): boolean => opts.controllerManager === true || opts.controllers !== undefined;

function loadKubeConfig(path: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

async function startOnce(binDir: string, opts: ControlPlaneOptions, began: number): Promise<ControlPlane> {
  const bindAddress = opts.bindAddress ?? '127.0.0.1';
  const timeoutMs = opts.readyTimeoutMs ?? 120_000;
  const dir = await mkdtemp(join(tmpdir(), 'portside-cp-'));
  registerTempDir(dir);
  const procs: ManagedProcess[] = [];
  const stopAll = async (): Promise<void> => {
    for (const p of [...procs].reverse()) await stopProcess(p);
    removeTempDir(dir);
  };
  try {
    const pki = await generatePki(dir, bindAddress);
    const [etcdPort, peerPort, kcmPort, schedulerPort] = await Promise.all([
      freePort('127.0.0.1'), freePort('127.0.0.1'), freePort('127.0.0.1'), freePort('127.0.0.1'),
    ]);
    const apiPort = await freePort(bindAddress);
    const host = bindAddress.includes(':') ? `[${bindAddress}]` : bindAddress;
    const url = `https://${host}:${apiPort}`;

    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    const peerUrl = `http://127.0.0.1:${peerPort}`;
    const etcdBin = join(binDir, 'etcd');
    const etcd = spawnLogged('etcd', etcdBin, [
      `--data-dir=${join(dir, 'etcd')}`, `--listen-client-urls=${etcdUrl}`, `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${peerUrl}`, `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=default=${peerUrl}`, '--log-level=warn',
      ...((await etcdSupportsNoFsync(etcdBin)) ? ['--unsafe-no-fsync'] : []),
    ], join(dir, 'etcd.log'));
    procs.push(etcd);
    await waitHealthy(etcd, `${etcdUrl}/health`, undefined, timeoutMs);

    const apiserverArgs = [
      `--etcd-servers=${etcdUrl}`, `--bind-address=${bindAddress}`, `--advertise-address=${bindAddress}`,
      `--secure-port=${apiPort}`, `--tls-cert-file=${pki.serving.cert}`, `--tls-private-key-file=${pki.serving.key}`,
      `--client-ca-file=${pki.ca.cert}`, `--authorization-mode=${opts.kubelets ? 'Node,RBAC' : 'RBAC'}`, '--allow-privileged=true',
      `--service-cluster-ip-range=${SERVICE_CIDRS.join(',')}`,
      '--service-account-issuer=https://kubernetes.default.svc',
      `--service-account-key-file=${pki.serviceAccount.pub}`,
      `--service-account-signing-key-file=${pki.serviceAccount.key}`,
      `--cert-dir=${join(dir, 'apiserver-certs')}`,
      // Endpoints reject the loopback advertise address (an error every 10 s); only Pods need them.
      ...(opts.kubelets
        // `kubectl logs/exec` reach a kubelet at its node's address (the lab's node names do not resolve).
        ? ['--enable-admission-plugins=NodeRestriction', '--kubelet-preferred-address-types=InternalIP']
        : ['--disable-admission-plugins=ServiceAccount', '--endpoint-reconciler-type=none']),
      ...(opts.apiserverArgs ?? []),
    ];
    const adminTls = { ca: pki.ca.cert, cert: pki.admin.cert, key: pki.admin.key };
    const startApiserver = async (at: number): Promise<void> => {
      const apiserver = spawnLogged('kube-apiserver', join(binDir, 'kube-apiserver'), apiserverArgs, join(dir, 'kube-apiserver.log'));
      procs.splice(at, 0, apiserver);
      await waitHealthy(apiserver, `${url}/readyz`, adminTls, timeoutMs);
    };
    await startApiserver(procs.length);

    const kubeconfigPath = join(dir, 'admin.kubeconfig');
    await writeFile(kubeconfigPath, kubeconfigYaml(url, pki.ca.cert, 'portside-admin', pki.admin));
    const restrictedKubeconfigPath = join(dir, 'restricted.kubeconfig');
    await writeFile(restrictedKubeconfigPath, kubeconfigYaml(url, pki.ca.cert, RESTRICTED_USER, pki.restricted));
    const kubeconfig = loadKubeConfig(kubeconfigPath);
    const restrictedKubeconfig = loadKubeConfig(restrictedKubeconfigPath);
    const clusterConfig = (await loadClusterConfig({ kubeconfig: kubeconfigPath, env: {} })).config;
    const restrictedClusterConfig = (await loadClusterConfig({ kubeconfig: restrictedKubeconfigPath, env: {} })).config;

    try {
      await kubeconfig.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: INSTALL_NAMESPACE } } });
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }

    if (wantsKcm(opts)) {
      const kcmKubeconfig = join(dir, 'kcm.kubeconfig');
      await writeFile(kcmKubeconfig, kubeconfigYaml(url, pki.ca.cert, 'kcm', pki.controllerManager));
      const kcm = spawnLogged('kube-controller-manager', join(binDir, 'kube-controller-manager'), [
        `--kubeconfig=${kcmKubeconfig}`, `--authentication-kubeconfig=${kcmKubeconfig}`,
        `--authorization-kubeconfig=${kcmKubeconfig}`,
        `--controllers=${(opts.controllers ?? DEFAULT_CONTROLLERS).join(',')}`,
        // For the serviceaccount-token and root-ca-certificate-publisher controllers.
        `--service-account-private-key-file=${pki.serviceAccount.key}`, `--root-ca-file=${pki.ca.cert}`,
        `--bind-address=127.0.0.1`, `--secure-port=${kcmPort}`, '--leader-elect=false',
        `--cert-dir=${join(dir, 'kcm-certs')}`,
      ], join(dir, 'kube-controller-manager.log'));
      procs.push(kcm);
      await waitHealthy(kcm, `https://127.0.0.1:${kcmPort}/healthz`, 'insecure', timeoutMs);
    }
    if (opts.scheduler) {
      const schedulerKubeconfig = join(dir, 'scheduler.kubeconfig');
      await writeFile(schedulerKubeconfig, kubeconfigYaml(url, pki.ca.cert, 'scheduler', pki.scheduler));
      const scheduler = spawnLogged('kube-scheduler', join(binDir, 'kube-scheduler'), [
        `--kubeconfig=${schedulerKubeconfig}`, `--authentication-kubeconfig=${schedulerKubeconfig}`,
        `--authorization-kubeconfig=${schedulerKubeconfig}`,
        `--bind-address=127.0.0.1`, `--secure-port=${schedulerPort}`, '--leader-elect=false',
      ], join(dir, 'kube-scheduler.log'));
      procs.push(scheduler);
      await waitHealthy(scheduler, `https://127.0.0.1:${schedulerPort}/healthz`, 'insecure', timeoutMs);
    }

    const { installed: crds, failed: crdFailures } =
      opts.crds === false ? { installed: [], failed: [] } : await installCrds(kubeconfig);
    for (const f of crdFailures) console.log(`# CRD ${f.name} REJECTED by kube-apiserver: ${f.message}`);
    const startupMs = Math.round(performance.now() - began);
    const kind = startsInThisProcess++ === 0 ? 'cold' : 'warm';
    console.log(`# control plane ready in ${startupMs} ms (${kind}: ${kind === 'cold' ? 'first' : 'a later'} start in this process; ${crds.length} CRDs)`);
    let stopped: Promise<void> | undefined;
    return {
      url, kubeconfigPath, kubeconfig, clusterConfig, restrictedKubeconfigPath, restrictedClusterConfig, crds, crdFailures, dir, binDir, startupMs,
      caCert: pki.ca.cert,
      get processes() {
        return procs.map((p) => ({ name: p.name, pid: p.pid }));
      },
      async restartApiserver({ kill = false } = {}) {
        const at = procs.findIndex((p) => p.name === 'kube-apiserver');
        const [old] = procs.splice(at, 1);
        if (!old) throw new Error('restartApiserver: no kube-apiserver running');
        if (kill && !old.exitedAlready()) process.kill(old.pid, 'SIGKILL');
        await stopProcess(old);
        await startApiserver(at);
      },
      async clientKubeconfig(name, subject) {
        const path = join(dir, `${name}.kubeconfig`);
        await writeFile(path, kubeconfigYaml(url, pki.ca.cert, name, await clientPair(dir, name, subject)));
        return path;
      },
      get restrictedKubeconfig(): KubeConfig {
        if (opts.restrictedUser === false) throw new Error('started with restrictedUser: false');
        return restrictedKubeconfig;
      },
      stop: () => (stopped ??= stopAll()),
    };
  } catch (err) {
    const clash = procs.some((p) => /address already in use/i.test(logTail(p.logPath, 200)));
    const tails = procs.map((p) => `--- ${p.name} (pid ${p.pid}) log tail:\n${logTail(p.logPath, 15)}`).join('\n');
    await stopAll();
    const message = `control plane failed to start: ${(err as Error).message}\n${tails}`;
    throw clash ? new PortClash(message, { cause: err }) : new Error(message, { cause: err });
  }
}

/** Starts a fresh control plane; throws ControlPlaneUnavailable when binaries are missing. */
export async function startControlPlane(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const began = performance.now();
  const binDir = await findBinaries(opts);
  try {
    return await startOnce(binDir, opts, began);
  } catch (err) {
    if (!(err instanceof PortClash)) throw err;
    console.log('# control plane: port clash, retrying once on new ports');
    return startOnce(binDir, opts, began);
  }
}

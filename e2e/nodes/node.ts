// One real lab node: containerd, a kubelet and kube-proxy (nftables mode) in the node's
// network namespace, each with its own state under the node's directory and its own cgroup
// root, so several nodes share this machine without sharing anything else. Started with
// `nsenter --net` (not `ip netns exec`, which remounts /sys and hides the cgroup mounts from
// the kubelet: "failed to find cgroup mounts"). stop() ends every process by PID and removes
// every trace (sweep.ts); an exit handler does the same if the test dies first.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ControlPlane } from '../controlplane.ts';
import { LabProcess, run, type ExecResult, type Lab } from '../netns/index.ts';
import { registerTeardown } from '../netns/cleanup.ts';
import { waitFor } from '../wait.ts';
import type { NodeBinaries } from './binaries.ts';
import { createCgroupRoot } from './cgroups.ts';
import { cniConfig, containerdConfig, kubeletConfig, kubeProxyConfig, nodePaths, type NodePaths } from './config.ts';
import { sweepNode, type NodeLeftovers } from './sweep.ts';

export interface KubeletNodeSpec {
  /** The Node's name (also the kubelet's hostname). */
  name: string;
  /** Its network namespace (`/run/netns/<netns>`). */
  netns: string;
  v4: string;
  v6?: string;
  /** This node's pod addresses (bridge + host-local), e.g. 203.0.113.64/28. */
  podCidr: string;
  /** Every node's pod addresses (kube-proxy's clusterCIDR). */
  clusterCidr: string;
  labels?: Record<string, string>;
  /** Where the node keeps its state (created; removed by stop()). */
  dir: string;
  /** Its cgroup root, e.g. /portside-ab12-n1. */
  cgroupRoot: string;
}

export class KubeletNode {
  readonly name: string;
  readonly paths: NodePaths;
  readonly cgroupRoot: string;
  readonly network: string;
  readonly processes: LabProcess[] = [];
  /** What to sweep if this process dies before stop(): `make lab-down` records it. */
  readonly leftovers: NodeLeftovers;
  readonly #unregister: () => void;
  #stopped: Promise<string[]> | undefined;

  constructor(spec: KubeletNodeSpec, network: string) {
    this.name = spec.name;
    this.paths = nodePaths(spec.dir);
    this.cgroupRoot = spec.cgroupRoot;
    this.network = network;
    this.leftovers = { paths: this.paths, cgroupRoot: spec.cgroupRoot, network };
    this.#unregister = registerTeardown(() => {
      for (const p of this.processes) p.signal('SIGKILL');
      sweepNode(this.leftovers);
    });
  }

  /** `ctr` against this node's containerd, in the CRI's namespace. */
  ctr(args: readonly string[], timeoutMs = 60_000): Promise<ExecResult> {
    return run('ctr', ['--address', this.paths.containerdSocket, '--namespace', 'k8s.io', ...args], { timeoutMs });
  }

  /** Imports an OCI or docker archive (`ctr images import`): Pods use it with imagePullPolicy Never. */
  async importImage(archive: string): Promise<void> {
    await this.ctr(['images', 'import', archive]);
  }

  /** Stops the kubelet, kube-proxy and containerd, kills every container and shim, removes every trace. */
  stop(): Promise<string[]> {
    this.#stopped ??= (async () => {
      // containerd too: containers and shims outlive it, and their bundles stay for the sweep.
      await Promise.all(this.processes.map((p) => p.stop({ timeoutMs: 5_000 })));
      const problems = sweepNode(this.leftovers);
      this.#unregister();
      return problems;
    })();
    return this.#stopped;
  }
}

function spawnIn(lab: Lab, spec: KubeletNodeSpec, label: string, argv: readonly string[]): LabProcess {
  const proc = new LabProcess(`${spec.netns}/${label}`, ['nsenter', `--net=/run/netns/${spec.netns}`, '--', ...argv], {
    logFile: join(lab.dir, `${spec.netns}.${label}.log`),
  });
  lab.trackProcess(proc);
  return proc;
}

async function waitRunning(proc: LabProcess, probe: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const outcome = await waitFor(async () => (proc.running ? probe() : 'exited'), { timeoutMs, intervalMs: 100, what })
    .catch((err: unknown) => {
      throw new Error(`${(err as Error).message}\n${proc.logTail(15)}`, { cause: err });
    });
  if (outcome === 'exited') throw new Error(`${what}: ${proc.name} exited ${JSON.stringify(proc.exitStatus)}:\n${proc.logTail(15)}`);
}

/**
 * Starts containerd (with the pause image imported), the kubelet and kube-proxy for one node.
 * The Node registers itself; the caller waits for it to be Ready. On failure the node is
 * stopped and swept before the error is thrown.
 */
export async function startKubeletNode(lab: Lab, plane: ControlPlane, bins: NodeBinaries, spec: KubeletNodeSpec): Promise<KubeletNode> {
  const network = `${lab.prefix}-${spec.name}`;
  const node = new KubeletNode(spec, network);
  const p = node.paths;
  try {
    await Promise.all([p.containerdRoot, p.containerdState, p.runcRoot, p.cniConfDir, p.cniIpamDir, p.kubeletRoot, p.podLogs, p.volumePlugins]
      .map((d) => mkdir(d, { recursive: true, mode: 0o755 })));
    createCgroupRoot(spec.cgroupRoot);
    await writeFile(p.containerdConfig, containerdConfig(p, bins.pause.ref));
    await writeFile(join(p.cniConfDir, '10-pods.conflist'), cniConfig(network, spec.podCidr, p));

    const containerd = spawnIn(lab, spec, 'containerd', ['containerd', '--config', p.containerdConfig]);
    node.processes.push(containerd);
    await waitRunning(containerd, () => node.ctr(['version'], 5_000).then(() => true, () => false), `${spec.name}: containerd to answer`, 30_000);
    await node.importImage(bins.pause.archive);

    const [kubeletKubeconfig, proxyKubeconfig] = await Promise.all([
      plane.clientKubeconfig(`kubelet-${spec.name}`, `/O=system:nodes/CN=system:node:${spec.name}`),
      plane.clientKubeconfig(`kube-proxy-${spec.name}`, '/CN=system:kube-proxy'),
    ]);
    await writeFile(p.kubeletConfig, kubeletConfig(p, { nodeIp: spec.v4, cgroupRoot: spec.cgroupRoot, caCert: plane.caCert }));
    await writeFile(p.kubeProxyConfig, kubeProxyConfig(proxyKubeconfig, spec.name, spec.clusterCidr));
    const labels = Object.entries(spec.labels ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
    node.processes.push(spawnIn(lab, spec, 'kubelet', [
      bins.kubelet, `--config=${p.kubeletConfig}`, `--kubeconfig=${kubeletKubeconfig}`, `--root-dir=${p.kubeletRoot}`,
      `--hostname-override=${spec.name}`, `--node-ip=${[spec.v4, spec.v6].filter(Boolean).join(',')}`,
      ...(labels ? [`--node-labels=${labels}`] : []), '--v=1',
    ]));
    node.processes.push(spawnIn(lab, spec, 'kube-proxy', [bins.kubeProxy, `--config=${p.kubeProxyConfig}`, '--v=1']));
    return node;
  } catch (err) {
    await node.stop().catch(() => undefined);
    throw err;
  }
}

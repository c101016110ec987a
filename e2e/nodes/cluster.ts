// Real kubelet nodes for a lab: the control plane they need, and N nodes started together
// and waited on until their Nodes are Ready. The kubelet sets a few host-wide kernel
// tunables when it starts (vm.overcommit_memory, kernel.panic, …); they are put back when
// the nodes go.
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import type { ControlPlane, ControlPlaneOptions } from '../controlplane.ts';
import { registerTeardown } from '../netns/cleanup.ts';
import type { Lab } from '../netns/index.ts';
import { waitFor } from '../wait.ts';
import { nodeBinaries, type NodeBinaries } from './binaries.ts';
import { startKubeletNode, type KubeletNode, type KubeletNodeSpec } from './node.ts';

/** kube-controller-manager for workloads on real nodes: DaemonSets, Deployments, ServiceAccount tokens, Node taints. */
export const WORKLOAD_CONTROLLERS = [
  'daemonset-controller', 'deployment-controller', 'replicaset-controller', 'disruption-controller',
  'serviceaccount-controller', 'serviceaccount-token-controller', 'root-ca-certificate-publisher-controller',
  'node-lifecycle-controller', 'taint-eviction-controller', 'pod-garbage-collector-controller',
  'endpointslice-controller', 'garbage-collector-controller', 'namespace-controller',
] as const;

/** What the control plane runs when its nodes are real kubelets. */
export const KUBELET_CONTROL_PLANE: ControlPlaneOptions = { kubelets: true, controllers: WORKLOAD_CONTROLLERS, scheduler: true };

/** Host-wide sysctls the kubelet sets at start (pkg/kubelet/cm setupKernelTunables). */
const KUBELET_TUNABLES = ['vm.overcommit_memory', 'vm.panic_on_oom', 'kernel.panic', 'kernel.panic_on_oops', 'kernel.keys.root_maxkeys', 'kernel.keys.root_maxbytes'];
const sysctlPath = (key: string): string => join('/proc/sys', ...key.split('.'));

/** Reads the tunables now; the function it returns puts them back (synchronous: an exit handler calls it too). */
function saveTunables(): () => void {
  const saved = new Map(KUBELET_TUNABLES.map((k) => [k, readFileSync(sysctlPath(k), 'utf8').trim()]));
  return () => {
    for (const [k, v] of saved) if (readFileSync(sysctlPath(k), 'utf8').trim() !== v) writeFileSync(sysctlPath(k), v);
  };
}

export interface KubeletNodes {
  nodes: KubeletNode[];
  bins: NodeBinaries;
  /** Milliseconds from the first process started to every Node Ready. */
  readyMs: number;
}

export type NodeSpecs = ReadonlyArray<Omit<KubeletNodeSpec, 'dir' | 'cgroupRoot'>>;

const DEVICE_PLUGIN_SOCKET = '/var/lib/kubelet/device-plugins/kubelet.sock';

/** The device-plugin socket's identity (inode and change time), undefined while absent. */
function deviceManagerSocket(): string | undefined {
  try {
    const st = statSync(DEVICE_PLUGIN_SOCKET);
    return `${st.ino}:${st.ctimeMs}`;
  } catch {
    return undefined;
  }
}

/** Starts a kubelet node per spec and waits until every Node is Ready; the lab stops them on destroy. */
export async function startKubeletNodes(lab: Lab, plane: ControlPlane, specs: NodeSpecs, { readyTimeoutMs = 120_000 } = {}): Promise<KubeletNodes> {
  const bins = await nodeBinaries();
  const base = join(tmpdir(), `portside-${lab.prefix}-nodes`);
  const restoreTunables = saveTunables();
  const unregister = registerTeardown(restoreTunables);
  const nodes: KubeletNode[] = [];
  lab.onDestroy('kubelet nodes', async () => {
    const problems = (await Promise.all(nodes.map((n) => n.stop()))).flat();
    restoreTunables();
    unregister();
    if (problems.length === 0) rmSync(base, { recursive: true, force: true });
    else throw new Error(`kubelet nodes left: ${problems.join('; ')}`);
  });
  const began = Date.now();
  // One at a time: every kubelet binds the same device-plugin socket (its path does not
  // follow --root-dir), removing the file first; two starting together can both remove it
  // and one then fails with "bind: address already in use".
  for (const spec of specs) {
    const before = deviceManagerSocket();
    const node = await startKubeletNode(lab, plane, bins, { ...spec, dir: join(base, spec.name), cgroupRoot: `/portside-${lab.prefix}-${spec.name}` });
    nodes.push(node);
    const bound = await waitFor(() => {
      const died = node.processes.find((p) => !p.running);
      if (died) return new Error(`${died.name} exited ${JSON.stringify(died.exitStatus)}:\n${died.logTail(20)}`);
      const now = deviceManagerSocket();
      return now !== undefined && now !== before;
    }, { timeoutMs: readyTimeoutMs, intervalMs: 50, what: `${spec.name}: the kubelet's device-plugin socket` });
    if (bound instanceof Error) throw bound;
  }
  const core = plane.kubeconfig.makeApiClient(CoreV1Api);
  const outcome = await waitFor(async () => {
    const died = nodes.flatMap((n) => n.processes).find((p) => !p.running);
    if (died) return new Error(`${died.name} exited ${JSON.stringify(died.exitStatus)}:\n${died.logTail(20)}`);
    const ready = await Promise.all(specs.map(async (s) => {
      const node = await core.readNode({ name: s.name }).catch(() => undefined);
      return node?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
    }));
    return ready.every(Boolean);
  }, { timeoutMs: readyTimeoutMs, intervalMs: 250, what: `Nodes ${specs.map((s) => s.name).join(', ')} Ready` });
  if (outcome instanceof Error) throw outcome;
  return { nodes, bins, readyMs: Date.now() - began };
}

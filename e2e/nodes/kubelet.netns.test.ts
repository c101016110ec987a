// Real nodes: a lab of two kubelet nodes (containerd + runc + CNI bridge, kube-proxy in
// nftables mode) on the lab's control plane. Both register and become Ready; a hostNetwork
// Pod of the locally built pause image runs as uid 65532 on each; a DaemonSet of it becomes
// Ready on both with pod-network addresses; from a Pod's network namespace the `kubernetes`
// Service answers through kube-proxy's rules. Then the lab goes, and nothing is left: no
// namespace, process, mount, cgroup, shim socket or directory.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { test } from 'node:test';
import { AppsV1Api, CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { buildLab, controlPlaneSkipped, type BuiltLab } from '../lab/builder.ts';
import { alive } from '../lab/state.ts';
import { Lab, requireCommands, requireRoot, run } from '../netns/index.ts';
import { waitFor } from '../wait.ts';
import { cgroupDirs, cgroupPids } from './cgroups.ts';
import { NODE_COMMANDS, POD_NETWORK } from './index.ts';
import { mountsUnder } from './mounts.ts';
import { shimPids } from './sweep.ts';

const NS = 'nodes-test';
const UID = 65532;
const KUBERNETES_SERVICE = 'https://10.96.0.1:443/version';
/** Host-wide: the kubelet sets them at start, the lab puts them back. */
const TUNABLES = ['vm/overcommit_memory', 'kernel/panic', 'kernel/panic_on_oops'];
const tunables = (): string[] => TUNABLES.map((k) => `${k}=${readFileSync(`/proc/sys/${k}`, 'utf8').trim()}`);

const inCidr = (ip: string, cidr: string): boolean => {
  const [net = '', len = '32'] = cidr.split('/');
  const n = (a: string) => a.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  const size = 2 ** (32 - Number(len));
  return Math.floor(n(ip) / size) === Math.floor(n(net) / size);
};

/** The PIDs of a Pod's containers: its cgroup under the node's root (cgroupfs driver: kubepods/<qos>/pod<uid>). */
function podPids(lab: BuiltLab<never, never>, pod: V1Pod): number[] {
  const node = lab.nodes.find((n) => n.name === pod.spec?.nodeName)?.kubelet;
  if (!node) return [];
  const uid = pod.metadata?.uid ?? '?';
  const dirs = cgroupDirs(node.cgroupRoot).filter((d) => d.includes(`/pod${uid}/`) && d.startsWith('/sys/fs/cgroup/pids/'));
  return dirs.flatMap((d) => readFileSync(`${d}/cgroup.procs`, 'utf8').split('\n').filter(Boolean).map(Number));
}

function status(pid: number, field: string): string {
  return readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith(`${field}:`))?.split(/\s+/).slice(1).join(' ') ?? '';
}

test('two kubelet nodes: Ready, Pods of the local pause image, a DaemonSet, the kubernetes Service from a Pod; nothing left after', { timeout: 600_000 }, async (t) => {
  if (!requireRoot(t) || !requireCommands(t, NODE_COMMANDS)) return;
  const tunablesBefore = tunables();
  const lab = await Lab.create();
  let destroyed = false;
  t.after(async () => {
    if (!destroyed) await lab.destroy();
  });
  const steps: string[] = [];
  let built: BuiltLab<never, never>;
  try {
    built = await buildLab<never, never>(lab, {
      lan: { v4: '198.51.100.0/24' },
      root: { host: 1 },
      nodes: { count: 2, kubelet: true, labels: (i) => ({ 'topology.kubernetes.io/zone': `rack-${i}` }) },
      controlPlane: {},
      step: async (what, body) => {
        const began = Date.now();
        const value = await body();
        steps.push(`${what}: ${Date.now() - began} ms`);
        return value;
      },
    });
  } catch (err) {
    if (controlPlaneSkipped(t, err)) return;
    throw err;
  }
  for (const s of steps) t.diagnostic(s);
  const plane = built.plane;
  const kubelets = built.kubelets;
  assert.ok(plane && kubelets);
  t.diagnostic(`kubelet nodes: first process to every Node Ready in ${kubelets.readyMs} ms; node binaries built in ${kubelets.bins.buildSeconds === undefined ? 'not recorded' : `${kubelets.bins.buildSeconds} s`}`);
  // The release hack/controlplane/build.sh built (its cache dir is k8s-<version>).
  const version = basename(kubelets.bins.dir).replace(/^k8s-/, '');
  const core = plane.kubeconfig.makeApiClient(CoreV1Api);
  const apps = plane.kubeconfig.makeApiClient(AppsV1Api);

  const nodesDir = built.nodes[0]?.kubelet?.paths.dir.replace(/\/[^/]+$/, '') ?? '?';
  const seen = { pids: new Set<number>(), shimSockets: new Set<string>() };

  await lab.dumpOnFailure(async () => {
    const listed = await core.listNode();
    assert.deepEqual(listed.items.map((n) => n.metadata?.name).sort(), ['n1', 'n2'], 'each kubelet registered its own Node');
    for (const n of listed.items) {
      const ip = n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
      assert.equal(ip, built.nodes.find((x) => x.name === n.metadata?.name)?.v4, 'the Node IP is the node\'s address on the switch');
      assert.equal(n.metadata?.labels?.['topology.kubernetes.io/zone'], `rack-${n.metadata?.name === 'n1' ? 0 : 1}`);
      assert.equal(n.status?.nodeInfo?.kubeletVersion, version);
      assert.match(n.status?.nodeInfo?.containerRuntimeVersion ?? '', /^containerd:\/\/1\.6\./);
    }

    await core.createNamespace({ body: { metadata: { name: NS } } });
    // ServiceAccount admission needs the namespace's `default` account (serviceaccount-controller).
    await waitFor(() => core.readNamespacedServiceAccount({ namespace: NS, name: 'default' }).then(() => true), { timeoutMs: 30_000, what: 'ServiceAccount default' });
    const image = kubelets.bins.pause.ref;
    const container = { name: 'pause', image, imagePullPolicy: 'Never' };

    // A hostNetwork Pod on each node, as uid 65532.
    for (const node of built.nodes) {
      await core.createNamespacedPod({
        namespace: NS,
        body: {
          metadata: { name: `host-${node.name}` },
          spec: {
            nodeName: node.name, hostNetwork: true, automountServiceAccountToken: false,
            securityContext: { runAsUser: UID, runAsGroup: UID, runAsNonRoot: true },
            containers: [container],
          },
        },
      });
    }
    // A DaemonSet on the pod network.
    await apps.createNamespacedDaemonSet({
      namespace: NS,
      body: {
        metadata: { name: 'pause' },
        spec: {
          selector: { matchLabels: { app: 'pause' } },
          template: { metadata: { labels: { app: 'pause' } }, spec: { containers: [container], terminationGracePeriodSeconds: 1 } },
        },
      },
    });

    const ready = (p: V1Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
    const hostPods = await waitFor(async () => {
      const pods = await Promise.all(built.nodes.map((n) => core.readNamespacedPod({ namespace: NS, name: `host-${n.name}` })));
      return pods.every(ready) && pods;
    }, { timeoutMs: 90_000, intervalMs: 250, what: 'the hostNetwork Pods Ready' });
    for (const pod of hostPods) {
      const node = built.nodes.find((n) => n.name === pod.spec?.nodeName);
      assert.equal(pod.status?.podIP, node?.v4, 'a hostNetwork Pod has its node\'s address');
      // The sandbox and the container: both the pause program.
      const pids = podPids(built, pod);
      assert.equal(pids.length, 2, `sandbox and container in ${pod.metadata?.name}: ${pids.join(',')}`);
      for (const pid of pids) {
        assert.equal(readFileSync(`/proc/${pid}/comm`, 'utf8').trim(), 'pause');
        assert.equal(status(pid, 'Uid').split(' ')[1], String(UID), 'it runs as uid 65532');
        assert.equal(statSync(`/proc/${pid}/ns/net`).ino, statSync(`/run/netns/${node?.ns.name}`).ino, 'in the node\'s network namespace');
        // No runtime may ask for more than this machine's hard limit (runc: "error setting rlimit").
        const nofile = readFileSync(`/proc/${pid}/limits`, 'utf8').split('\n').find((l) => l.startsWith('Max open files'))?.split(/\s+/) ?? [];
        assert.ok(Number(nofile[4]) <= 20_000, `nofile hard limit ${nofile[4]} is at most 20000`);
      }
    }

    const ds = await waitFor(async () => {
      const d = await apps.readNamespacedDaemonSet({ namespace: NS, name: 'pause' });
      return d.status?.desiredNumberScheduled === 2 && d.status.numberReady === 2 && d;
    }, { timeoutMs: 90_000, intervalMs: 250, what: 'the DaemonSet Ready on both nodes' });
    assert.equal(ds.status?.numberAvailable, 2);
    const dsPods = (await core.listNamespacedPod({ namespace: NS, labelSelector: 'app=pause' })).items;
    assert.deepEqual(dsPods.map((p) => p.spec?.nodeName).sort(), ['n1', 'n2'], 'one DaemonSet Pod per node');
    for (const pod of dsPods) {
      const i = built.nodes.findIndex((n) => n.name === pod.spec?.nodeName);
      assert.ok(inCidr(pod.status?.podIP ?? '', POD_NETWORK.node(i)), `${pod.metadata?.name} ${pod.status?.podIP} is in ${POD_NETWORK.node(i)}`);
      assert.ok(pod.spec?.volumes?.some((v) => v.projected), 'the Pod got a projected ServiceAccount token volume');
      // From the Pod's own network namespace: ClusterIP → kube-proxy's DNAT on the node → the apiserver.
      const [pid] = podPids(built, pod);
      assert.ok(pid, `a process of ${pod.metadata?.name}`);
      const { stdout } = await run('nsenter', [`--net=/proc/${pid}/ns/net`, 'curl', '-sk', '--max-time', '5', KUBERNETES_SERVICE]);
      assert.equal((JSON.parse(stdout) as { gitVersion?: string }).gitVersion, version, `the kubernetes Service answered ${pod.metadata?.name}`);
    }

    // Everything to be gone afterwards.
    for (const n of built.nodes) {
      const k = n.kubelet;
      if (!k) continue;
      for (const p of k.processes) seen.pids.add(p.pid);
      for (const pid of [...cgroupPids(k.cgroupRoot), ...shimPids(k.paths.containerdSocket)]) seen.pids.add(pid);
    }
    for (const s of existsSync('/run/containerd/s') ? readdirSync('/run/containerd/s') : []) seen.shimSockets.add(s);
    assert.ok(seen.pids.size >= 2 * 3 + 4, `kubelet, containerd, kube-proxy per node and the containers: ${seen.pids.size} PIDs`);
  });

  const cgroupRoots = built.nodes.map((n) => n.kubelet?.cgroupRoot ?? '?');
  const namespaces = lab.namespaces.map((n) => n.name);
  const began = Date.now();
  await lab.destroy();
  destroyed = true;
  t.diagnostic(`teardown ${Date.now() - began} ms`);
  // Killed containers are orphans until init reaps them: give it a moment.
  await waitFor(() => [...seen.pids].filter(alive).length === 0, { timeoutMs: 10_000, what: 'every PID gone' }).catch(() => undefined);
  assert.deepEqual([...seen.pids].filter(alive), [], 'no process left');
  const netns = (await run('ip', ['netns', 'list'])).stdout;
  assert.deepEqual(namespaces.filter((n) => netns.includes(n)), [], 'no namespace left');
  assert.deepEqual(mountsUnder(nodesDir), [], 'no mount left');
  assert.deepEqual(readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(lab.prefix)), [], 'no mount names the lab');
  assert.deepEqual(cgroupRoots.flatMap((r) => cgroupDirs(r)), [], 'no cgroup left');
  assert.equal(existsSync(nodesDir), false, 'the nodes\' directory is gone');
  const sockets = existsSync('/run/containerd/s') ? readdirSync('/run/containerd/s') : [];
  assert.deepEqual(sockets.filter((s) => seen.shimSockets.has(s)), [], 'no shim socket left');
  assert.deepEqual(tunables(), tunablesBefore, 'the kernel tunables the kubelet set are back');
});

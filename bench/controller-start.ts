// Benchmark (not a test): how soon `portside controller` serves the first of N waiting
// Services, and where its start goes. A real kube-apiserver holds N IPv6 LoadBalancer Services
// without IPs; the compiled controller (as the image runs it: from its startup snapshot, with
// the Pod's flags) is started BENCH_STARTS times in turn (killed after its first IP; the IPs
// cleared for the next start), without leader election as in bench/controller.ts. Per start:
// process start → first IP seen by a watch, and the debug log's timeline (started, each
// informer listed, adopted, configuration loaded), in ms from the spawn; and the CPU time the
// controller (and its main thread), and the API server with etcd, used from the spawn to that
// first IP (clock ticks of /proc/<pid>/stat): a figure the load stretches far less than the wall time.
// BENCH_SERVICES (default 5000), BENCH_STARTS (default 6), BENCH_NODE_OPTIONS (default the
// Pod's: --max-semi-space-size=4 --max-old-space-size=96), BENCH_BASELINE (another checkout,
// e.g. /work/main: its compiled build starts too, alternating with this one, each BENCH_STARTS
// times, with BENCH_BASELINE_NODE_OPTIONS if given, else BENCH_NODE_OPTIONS), BENCH_CPU_PROF (a
// directory: V8 CPU profiles of each start up to its first IP), BENCH_METALLB=1 (MetalLB's
// controller, built by hack/metallb-controller.sh, starts too, in turn with the others, against
// the same Services and a metallb.io IPAddressPool of the same addresses: the reference figure).
import { execFileSync, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import type { V1Service } from '@kubernetes/client-node';
import { startControlPlane } from '../e2e/controlplane.ts';
import { Cluster, ingressIPs } from '../e2e/controller/testkit.ts';
import { installCrds } from '../e2e/controlplane.crds.ts';
import { timesBounded } from '../lib/async/bounded.ts';
import { envWholeNumber, numberOrExit } from '../lib/cli/numbers.ts';
import { apiListWatch, InformerSupervisor, JsonClient, KubeApi } from '../lib/k8s/index.ts';
import { compileShipped } from './_compiled.ts';
import { cpuSeconds, threadCpuSeconds } from './_proc.ts';

const N = numberOrExit(envWholeNumber(process.env, 'BENCH_SERVICES', 5000, { min: 1 }), 'bench controller-start');
const STARTS = numberOrExit(envWholeNumber(process.env, 'BENCH_STARTS', 6, { min: 1 }), 'bench controller-start');
const flagsOf = (text: string): string[] => text.split(/\s+/).filter(Boolean);
const FLAGS = flagsOf(process.env.BENCH_NODE_OPTIONS ?? '--max-semi-space-size=4 --max-old-space-size=96');
const BASELINE_FLAGS = process.env.BENCH_BASELINE_NODE_OPTIONS === undefined ? FLAGS : flagsOf(process.env.BENCH_BASELINE_NODE_OPTIONS);
const POOL_ANNOTATION = 'portside.dev/ip-allocated-from-pool';

const POOL_ANNOTATIONS_METALLB = ['metallb.io/ip-allocated-from-pool', 'metallb.universe.tf/ip-allocated-from-pool'];
const METALLB_NAMESPACE = 'metallb-system';

const compiled = await compileShipped();
const baseline = process.env.BENCH_BASELINE ? await compileShipped('bundled', process.env.BENCH_BASELINE) : undefined;
const metallb = process.env.BENCH_METALLB === '1'
  ? (() => {
      const [bin, dir] = execFileSync('bash', [new URL('../hack/metallb-controller.sh', import.meta.url).pathname], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split(' ');
      return { bin: bin!, crds: `${dir!}/config/crd/bases` };
    })()
  : undefined;
/** `start`: what follows Node's flags (the snapshot or the entry point, and `controller`); MetalLB's: its binary. */
interface Build { name: string; start: string[]; flags: string[]; metallb?: true }
const BUILDS: Build[] = [
  { name: 'this', start: compiled.controller, flags: FLAGS },
  ...(baseline ? [{ name: 'baseline', start: baseline.controller, flags: BASELINE_FLAGS }] : []),
  ...(metallb ? [{ name: 'MetalLB', start: [metallb.bin], flags: [], metallb: true as const }] : []),
];
const PROF = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
const cp = await startControlPlane();
const json = new JsonClient(cp.clusterConfig);
const firstIps = new Map<string, number[]>(BUILDS.map((b) => [b.name, []]));
const cpus = new Map<string, { controller: number[]; server: number[] }>(BUILDS.map((b) => [b.name, { controller: [], server: [] }]));
const serverPids = cp.processes.filter((p) => p.name === 'kube-apiserver' || p.name === 'etcd').map((p) => p.pid);
const serverCpu = (): number => serverPids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
try {
  const cluster = new Cluster(cp.kubeconfig);
  const install = await cluster.namespace('bench-portside');
  const app = await cluster.namespace('bench-app');
  await cluster.pool(install, 'bench', { addresses: ['2001:db8:b::/112'] });
  if (metallb) {
    const crds = await installCrds(cp.kubeconfig, metallb.crds);
    if (crds.failed.length > 0) throw new Error(`MetalLB's CRDs refused: ${JSON.stringify(crds.failed)}`);
    await cluster.namespace(METALLB_NAMESPACE);
    await json.request('POST', `/apis/metallb.io/v1beta1/namespaces/${METALLB_NAMESPACE}/ipaddresspools`, {
      body: { apiVersion: 'metallb.io/v1beta1', kind: 'IPAddressPool', metadata: { name: 'bench' }, spec: { addresses: ['2001:db8:b::/112'] } }, discardBody: true,
    });
  }
  const name = (i: number) => `s-${i}`;
  const created = performance.now();
  await timesBounded(N, 64, (i) => json.request('POST', `/api/v1/namespaces/${app}/services`, {
    body: { metadata: { name: name(i) }, spec: { type: 'LoadBalancer', allocateLoadBalancerNodePorts: false, ipFamilies: ['IPv6'], ports: [{ port: 80 }] } }, discardBody: true,
  }));
  console.log(`  ${N} Services created in ${((performance.now() - created) / 1000).toFixed(1)} s; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  let firstAt = 0;
  /** At the first IP: the controller's CPU seconds and the server's (read in the watch's callback). */
  let child: { pid?: number } | undefined;
  let atFirst = { controller: 0, main: 0, server: 0 };
  const watch = new InformerSupervisor<V1Service>(apiListWatch<V1Service>(new KubeApi(cp.clusterConfig), `/api/v1/namespaces/${app}/services`))
    .on({
      update: (_o, n) => {
        if (firstAt || ingressIPs(n).length === 0) return;
        firstAt = performance.now();
        const threads = child?.pid ? threadCpuSeconds(child.pid) : { main: NaN, others: NaN };
        atFirst = { controller: threads.main + threads.others, main: threads.main, server: serverCpu() };
      },
    })
    .start();
  await watch.synced;
  for (let run = 0; run < STARTS * BUILDS.length; run++) {
    const build = BUILDS[run % BUILDS.length]!;
    firstAt = 0;
    const spawnedAt = performance.now();
    const spawnedWall = Date.now();
    const server0 = serverCpu();
    child = undefined;
    const proc = build.metallb
      ? spawn(build.start[0]!, ['--namespace', METALLB_NAMESPACE, '--webhook-mode=disabled', '--disable-cert-rotation', '--port', String(17_472 + run), '--log-level', 'info'], {
        stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KUBECONFIG: cp.kubeconfigPath },
      })
      : spawn(process.execPath, [...build.flags, ...PROF, ...build.start, '--kubeconfig', cp.kubeconfigPath, '--namespace', install,
        '--metrics-addr', '127.0.0.1:0', '--leader-elect=false', '--log-level', 'debug'], { stdio: ['ignore', 'pipe', 'inherit'] });
    // MetalLB's log says little about its start (and goes to stderr): kept for its exit only.
    const metallbLog: string[] = [];
    proc.stderr?.on('data', (d: Buffer) => metallbLog.push(d.toString()));
    const marks: string[] = [];
    child = proc;
    createInterface({ input: proc.stdout! }).on('line', (l) => {
      try {
        const j = JSON.parse(l) as { time: string; event: string; kind?: string; items?: number };
        const at = Date.parse(j.time) - spawnedWall;
        if (j.event === 'started' || j.event === 'adopted' || j.event === 'config_loaded') marks.push(`${at} ${j.event}`);
        // The informers' `listed` lines (the logger names them `informer`; a list has `items`).
        else if (j.event === 'informer' && j.items !== undefined && (j.kind === 'services' || j.kind === 'ipaddresspools')) marks.push(`${at} ${j.kind} listed`);
      } catch {
        // not a log line
      }
    });
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    while (!firstAt) {
      if (proc.exitCode !== null) throw new Error(`the controller exited (${proc.exitCode}) before its first IP${build.metallb ? `:\n${metallbLog.join('').slice(-4000)}` : ''}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    firstIps.get(build.name)!.push(firstAt - spawnedAt);
    const cpu = { controller: atFirst.controller * 1000, main: atFirst.main * 1000, server: (atFirst.server - server0) * 1000 };
    cpus.get(build.name)!.controller.push(cpu.controller);
    cpus.get(build.name)!.server.push(cpu.server);
    console.log(`  start ${run + 1}${BUILDS.length > 1 ? ` (${build.name})` : ''}: first IP ${(firstAt - spawnedAt).toFixed(0)} ms after the spawn (CPU: controller ${cpu.controller.toFixed(0)} ms, its main thread ${cpu.main.toFixed(0)}, API server + etcd ${cpu.server.toFixed(0)} ms); ${marks.join(' | ')}`);
    // A profile is written at a clean exit (SIGTERM: the controller stops and exits).
    proc.kill(PROF.length && !build.metallb ? 'SIGTERM' : 'SIGKILL');
    await exited;
    // Every Service back to waiting for the next start.
    const annotations = Object.fromEntries([POOL_ANNOTATION, ...(metallb ? POOL_ANNOTATIONS_METALLB : [])].map((a) => [a, null]));
    await timesBounded(N, 64, (i) => json.mergePatch(`/api/v1/namespaces/${app}/services/${name(i)}/status`, {
      metadata: { annotations }, status: { loadBalancer: { ingress: [] }, conditions: [] },
    }));
    await timesBounded(N, 64, (i) => json.mergePatch(`/api/v1/namespaces/${app}/services/${name(i)}`, { metadata: { annotations } }));
  }
  await watch.stop();
  const sortedText = (xs: number[]): { text: string; median: number } => {
    const sorted = [...xs].sort((a, b) => a - b);
    return { text: sorted.map((x) => x.toFixed(0)).join(' / '), median: sorted[Math.floor((sorted.length - 1) / 2)] ?? NaN };
  };
  for (const [buildName, times] of firstIps) {
    const of = BUILDS.length > 1 ? ` (${buildName})` : '';
    const wall = sortedText(times);
    const c = sortedText(cpus.get(buildName)!.controller);
    const sv = sortedText(cpus.get(buildName)!.server);
    console.log(`  first IP after the spawn${of}: ${wall.text} ms (median ${wall.median.toFixed(0)}, goal ≤ 500); load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
    console.log(`  CPU until the first IP${of}: controller ${c.text} ms (median ${c.median.toFixed(0)}); API server + etcd ${sv.text} ms (median ${sv.median.toFixed(0)})`);
  }
} finally {
  json.close();
  await cp.stop();
  rmSync(compiled.dir, { recursive: true, force: true });
  if (baseline) rmSync(baseline.dir, { recursive: true, force: true });
}

// Benchmark (not a test) on a real kube-apiserver, `portside controller` as its own process:
// 1. live: N LoadBalancer Services created at once while the controller runs — time until
//    all have IPs, Services/s, p50/p99 create→IP (bounded by how fast the apiserver creates);
// 2. bare loop: N status patches with the same client and parallelism — the apiserver's limit;
// 3. backlog: a controller starts with the N Services waiting — its own rate, for the ratio.
// BENCH_SERVICES (default 5000), BENCH_PARALLEL (default 32), BENCH_CPU_PROF (a directory),
// BENCH_NODE_OPTIONS (Node flags for the controller; `a|b` compares two sets, each with its
// own bare loop and backlog, in turn), BENCH_BUILD (`compiled`, the default,
// is the JavaScript the image runs; `source` runs the TypeScript with type stripping),
// BENCH_BASELINE (another checkout, e.g. /work/main: its compiled build runs the bare loop and
// backlog too, in turn with this one, on the same control plane), BENCH_ROUNDS (default 1:
// how many times the bare loop and backlog run per build and flag set, interleaved),
// BENCH_LIVE=0 (skip the live phase), BENCH_APISERVER_PROF (a directory: a CPU profile of the
// kube-apiserver over the first BENCH_APISERVER_PROF_SECONDS, default 8, of each bare loop and
// backlog, for `go tool pprof`). Each bare loop and backlog also prints the requests the API
// server served meanwhile (its apiserver_request_total) and the watch events it sent. One more
// bare loop runs after the last backlog, and each backlog's ratio is also given against the
// mean of the bare loops before and after it (the load moves between phases).
// BENCH_BARE_CONTROLLER_PATCH=1: each round also runs a bare loop that writes what the
// controller writes, as it writes it (its own servicePatches(): pool annotation, Allocated
// condition, ingress with ipMode; the Service sent whole, as portside-controller, from a list
// made before the loop) and clears again, so a backlog can be set against the API server's rate
// for the controller's writes as well as for the cheapest status patch.
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import type { V1Service } from '@kubernetes/client-node';
import { startControlPlane } from '../e2e/controlplane.ts';
import { spawnLogged, stopProcess } from '../e2e/controlplane.process.ts';
import type { ManagedProcess } from '../e2e/controlplane.process.ts';
import { waitFor } from '../e2e/wait.ts';
import { timesBounded } from '../lib/async/bounded.ts';
import { envWholeNumber, numberOrExit } from '../lib/cli/numbers.ts';
import { apiListWatch, checkApiReachable, InformerSupervisor, JsonClient, KubeApi, withoutManagedFields } from '../lib/k8s/index.ts';
import { Cluster, ingressIPs } from '../e2e/controller/testkit.ts';
import { parseIp } from '../lib/ip/index.ts';
import { allocatedState, servicePatches } from '../operator/service-status.ts';
import { replacement } from '../operator/writer.ts';
import { compileShipped } from './_compiled.ts';
import { cpuSeconds, memoryOf } from './_proc.ts';

const N = numberOrExit(envWholeNumber(process.env, 'BENCH_SERVICES', 5000, { min: 1 }), 'bench controller');
const PARALLEL = numberOrExit(envWholeNumber(process.env, 'BENCH_PARALLEL', 32, { min: 1 }), 'bench controller');
const BUILD = process.env.BENCH_BUILD ?? 'compiled';
if (BUILD !== 'compiled' && BUILD !== 'source') throw new Error(`BENCH_BUILD must be compiled or source, not ${BUILD}`);
/** Node flag sets to compare (BENCH_NODE_OPTIONS, `|` between sets); the live phase runs the first. */
const VARIANTS = (process.env.BENCH_NODE_OPTIONS ?? '').split('|').map((v) => v.split(/\s+/).filter(Boolean));
const compiled = BUILD === 'compiled' ? await compileShipped() : undefined;
/** What follows Node's flags to start the controller: as the image's Deployment does for the compiled build. */
const START = compiled?.controller ?? [new URL('../bin/portside.ts', import.meta.url).pathname, 'controller'];
const baseline = process.env.BENCH_BASELINE ? await compileShipped('bundled', process.env.BENCH_BASELINE) : undefined;
/** The builds measured in the backlog phase, in turn: this checkout's, then the baseline's. */
const BUILDS: { name: string; start: string[] }[] = [
  { name: 'this', start: START },
  ...(baseline ? [{ name: `baseline ${process.env.BENCH_BASELINE}`, start: baseline.controller }] : []),
];
const ROUNDS = numberOrExit(envWholeNumber(process.env, 'BENCH_ROUNDS', 1, { min: 1 }), 'bench controller');
const LIVE = process.env.BENCH_LIVE !== '0';
const PROF_DIR = process.env.BENCH_APISERVER_PROF;
const PROF_SECONDS = numberOrExit(envWholeNumber(process.env, 'BENCH_APISERVER_PROF_SECONDS', 8, { min: 1 }), 'bench controller');

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

const fmt = (n: number, digits = 1): string => n.toFixed(digits);

/** CPU seconds each named process used between two snapshots. */
function cpuSnapshot(pids: Record<string, number>): () => string {
  const before = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuSeconds(pid)]));
  return () => Object.entries(pids).map(([k, pid]) => `${k} ${fmt(cpuSeconds(pid) - before[k]!)} s`).join(', ');
}

/**
 * What the controller still does once every Service has its IP (the IPAllocated Events): how
 * many Events exist now, then waits until all N exist or neither its CPU nor the count moves
 * for 3 s (at most 120 s), and says how long that took and how much CPU it cost.
 */
async function eventsTail(pid: number, namespace: string, since: string): Promise<string> {
  const count = async (): Promise<number> => {
    const list = await eventsClient.request<{ items?: { lastTimestamp?: string }[] }>('GET', `/api/v1/namespaces/${namespace}/events`, {
      query: { fieldSelector: 'reason=IPAllocated' }, timeoutMs: 60_000,
    });
    return (list.items ?? []).filter((e) => (e.lastTimestamp ?? '') >= since).length;
  };
  const t0 = performance.now();
  const cpu0 = cpuSeconds(pid);
  const atLastIp = await count();
  let last = cpu0;
  let flatSince = performance.now();
  let n = atLastIp;
  while (n < N && performance.now() - flatSince < 3_000 && performance.now() - t0 < 120_000) {
    await new Promise((r) => setTimeout(r, 500));
    const now = cpuSeconds(pid);
    if (now - last > 0.02) flatSince = performance.now();
    last = now;
    const before = n;
    n = await count();
    // A loaded apiserver can hold the Events in flight for seconds: new ones landing is progress too.
    if (n > before) flatSince = performance.now();
  }
  return `${atLastIp} of ${N} written at the last IP, ${n} after ${fmt((performance.now() - t0) / 1000)} s more, controller CPU ${fmt(cpuSeconds(pid) - cpu0, 2)} s`;
}

/** The API server's request and watch-event counters, by verb and resource (its /metrics). */
async function apiCounters(): Promise<Map<string, number>> {
  const text = await eventsClient.text('GET', '/metrics', { timeoutMs: 60_000 });
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const family = /^(apiserver_request_total|apiserver_watch_events_total)\{([^}]*)\} (\S+)$/.exec(line);
    if (!family) continue;
    const labels = Object.fromEntries([...family[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
    const key = family[1] === 'apiserver_request_total'
      ? `${labels.verb} ${labels.resource}${labels.subresource ? `/${labels.subresource}` : ''}`
      : `watch events ${labels.kind ?? labels.resource ?? '?'}`;
    out.set(key, (out.get(key) ?? 0) + Number(family[3]));
  }
  return out;
}

/** What the API server served since `before` (at least 3 of a kind), most first. */
async function apiCountersSince(before: Map<string, number>): Promise<string> {
  const after = await apiCounters();
  return [...after].map(([k, v]) => [k, v - (before.get(k) ?? 0)] as const).filter(([, d]) => d >= 3)
    .sort((a, b) => b[1] - a[1]).map(([k, d]) => `${k} ${d}`).join(', ');
}

/** A CPU profile of the API server over the next PROF_SECONDS, written to PROF_DIR (BENCH_APISERVER_PROF). */
function apiserverProfile(name: string): Promise<void> {
  if (!PROF_DIR) return Promise.resolve();
  mkdirSync(PROF_DIR, { recursive: true });
  return promisify(execFile)(join(cp.binDir, 'kubectl'), ['--kubeconfig', cp.kubeconfigPath, 'get', '--raw', `/debug/pprof/profile?seconds=${PROF_SECONDS}`],
    { encoding: 'buffer', maxBuffer: 256 << 20 })
    .then(({ stdout }) => writeFileSync(join(PROF_DIR, `${name.replace(/[^\w.-]+/g, '_')}.pprof`), stdout),
      (err: unknown) => console.log(`# apiserver profile ${name} failed: ${(err as Error).message}`));
}

const cp = await startControlPlane();
const eventsClient = new JsonClient(cp.clusterConfig);
const procs: ManagedProcess[] = [];
const loadBefore = loadavg().map((x) => x.toFixed(1)).join(' ');
try {
  const api = new KubeApi(cp.clusterConfig);
  const version = await checkApiReachable(api);
  const core = cp.kubeconfig.makeApiClient(CoreV1Api);
  const cluster = new Cluster(cp.kubeconfig);
  const install = await cluster.namespace('bench-portside');
  const app = await cluster.namespace('bench-app');
  // IPv6 single-stack Services: the documentation IPv4 ranges hold 512 addresses, not 5,000.
  await cluster.pool(install, 'bench', { addresses: ['2001:db8:b::/112'] });

  const pidOf = (name: string): number => cp.processes.find((p) => p.name === name)?.pid ?? -1;
  const apiPids = { etcd: pidOf('etcd'), 'kube-apiserver': pidOf('kube-apiserver'), bench: process.pid };

  // Watch the Services and record the first time each shows an IP (and when each loses it).
  let served = new Float64Array(N).fill(NaN);
  let servedCount = 0;
  let onAllServed: () => void = () => {};
  const seen = (svc: V1Service): void => {
    const i = Number(svc.metadata?.name?.slice(2));
    if (!Number.isInteger(i) || i < 0 || i >= N || !Number.isNaN(served[i]!) || ingressIPs(svc).length === 0) return;
    served[i] = performance.now();
    if (++servedCount === N) onAllServed();
  };
  const watch = new InformerSupervisor<V1Service>(apiListWatch<V1Service>(api, `/api/v1/namespaces/${app}/services`))
    .on({ add: seen, update: (_o, n) => seen(n) })
    .start();
  await watch.synced;
  const expectAll = (): Promise<void> => {
    served = new Float64Array(N).fill(NaN);
    servedCount = 0;
    return new Promise<void>((resolve) => (onAllServed = resolve));
  };

  // BENCH_CPU_PROF=<dir>: write V8 CPU profiles of the controllers there.
  const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  let controllers = 0;
  const startController = async (flags: readonly string[], start = START): Promise<ManagedProcess> => {
    const proc = spawnLogged('portside-controller', process.execPath, [
      ...flags, ...prof, ...start, '--kubeconfig', cp.kubeconfigPath, '--namespace', install,
      '--metrics-addr', '127.0.0.1:0', '--leader-elect=false', '--log-level', 'warn',
    ], join(cp.dir, `controller-${controllers++}.log`));
    procs.push(proc);
    return proc;
  };
  const untilServed = async (all: Promise<void>, proc: ManagedProcess): Promise<void> => {
    await Promise.race([
      all,
      waitFor(() => proc.exitedAlready() && 'exited', { timeoutMs: 1_200_000, intervalMs: 200 }).then(() => {
        throw new Error(`the controller exited; see ${proc.logPath}`);
      }),
    ]);
  };

  const createService = (i: number): Promise<V1Service> => core.createNamespacedService({
    namespace: app,
    body: {
      metadata: { name: `lb${i}` },
      spec: {
        type: 'LoadBalancer', ipFamilies: ['IPv6'], ipFamilyPolicy: 'SingleStack',
        allocateLoadBalancerNodePorts: false, ports: [{ port: 80, protocol: 'TCP' }],
      },
    },
  });
  const lines = [
    `machine: ${cpus().length} cores (${cpus()[0]?.model.trim()}), ${fmt(totalmem() / 2 ** 30, 0)} GiB, node ${process.version}, kube-apiserver ${version.gitVersion}, load average before ${loadBefore}`,
    `services: ${N}, parallelism: ${PARALLEL}; controller: ${BUILD} build`,
  ];
  let all: Promise<void>;
  if (LIVE) {
    // Phase 1 — live: the controller runs while N Services are created at once.
    const first = await startController(VARIANTS[0]!);
    await waitFor(async () => (await cluster.configurationState(install))?.result === 'Valid', {
      timeoutMs: 30_000, what: 'the controller to load its configuration',
    });
    await new Promise((r) => setTimeout(r, 3_000));
    const idle = memoryOf(first.pid);
    console.log(`# live: creating ${N} Services, ${PARALLEL} in flight, controller running`);
    const created = new Float64Array(N).fill(NaN);
    all = expectAll();
    const liveCpu = cpuSnapshot({ ...apiPids, controller: first.pid });
    const liveSince = new Date(Date.now() - 1_000).toISOString().replace(/\.\d+Z$/, 'Z'); // Events carry whole seconds
    const t0 = performance.now();
    await timesBounded(N, PARALLEL, async (i) => {
      await createService(i);
      created[i] = performance.now();
    });
    const tCreated = performance.now();
    await untilServed(all, first);
    const tServed = performance.now();
    const liveCpuText = liveCpu();
    const latencies = Array.from({ length: N }, (_, i) => Math.max(0, served[i]! - created[i]!)).sort((a, b) => a - b);
    const liveTail = await eventsTail(first.pid, app, liveSince);
    const livePeak = memoryOf(first.pid);
    await stopProcess(first);
    const liveSeconds = (tServed - t0) / 1000;
    lines.push(
      `live (node flags: ${VARIANTS[0]!.join(' ') || 'none'}): created in ${fmt((tCreated - t0) / 1000, 2)} s (${fmt(N / ((tCreated - t0) / 1000))} creates/s); all have IPs ${fmt(liveSeconds, 2)} s after the first create, ${fmt((tServed - tCreated) / 1000, 2)} s after the last`,
      `live: ${fmt(N / liveSeconds)} Services/s; create→IP p50 ${fmt(quantile(latencies, 0.5), 0)} ms, p99 ${fmt(quantile(latencies, 0.99), 0)} ms, max ${fmt(latencies.at(-1) ?? NaN, 0)} ms`,
      `live CPU: ${liveCpuText}`,
      `live controller RSS: idle ${fmt(idle.rss)} MB (no Services, configuration loaded); ${fmt(livePeak.rss)} MB after, high-water ${fmt(livePeak.hwm)} MB; Events after the last IP: ${liveTail}`,
    );
  } else {
    // The backlog's bare loops clear IPs: the Services exist, with IPs from outside any pool
    // (placeholders), so the first bare loop's patches are writes as the later ones' are, not no-ops.
    await timesBounded(N, PARALLEL, async (i) => {
      await createService(i);
      await eventsClient.mergePatch(`/api/v1/namespaces/${app}/services/lb${i}/status`, { status: { loadBalancer: { ingress: [{ ip: `2001:db8:c::${i.toString(16)}` }] } } });
    });
  }

  // Phase 2 — the bare loop: the controller's client (JsonClient), the same parallelism, one
  // status patch per Service, clearing the IPs the controller wrote (phase 3 redoes them all).
  const clearPatch = (): { body: unknown } => ({ body: { status: { loadBalancer: { ingress: [] } } } });
  /**
   * What the controller writes for an IP from the pool (one write: annotation and status, sent
   * whole as operator/writer.ts sends a Service it has whole), from `listed`: the Services as a
   * list before the loop gave them, as the controller's cache holds them.
   */
  let listed = new Map<string, V1Service>();
  const controllerPatch = (i: number): { method: 'PUT'; body: unknown; query: Record<string, string> } => {
    const svc = listed.get(`lb${i}`)!;
    const ip = parseIp(`2001:db8:b::${(i + 1).toString(16)}`)!;
    return { method: 'PUT', body: replacement(svc, servicePatches(svc, allocatedState([ip], 'bench'), new Date())), query: { fieldManager: 'portside-controller' } };
  };
  const controllerLoops: { name: string; seconds: number }[] = [];
  const bareLoop = async (name: string, patch: (i: number) => { method?: 'PUT'; body: unknown; query?: Record<string, string> } = clearPatch): Promise<{ seconds: number; cpuText: string; requests: string }> => {
    console.log(`# bare loop${patch === clearPatch ? '' : ' (the controller\'s write)'}: ${N} status writes, ${PARALLEL} in flight, no controller`);
    const raw = new JsonClient(cp.clusterConfig);
    if (patch !== clearPatch) {
      const items = (await raw.get<{ items: V1Service[] }>(`/api/v1/namespaces/${app}/services`)).items.map((svc) => withoutManagedFields(svc));
      listed = new Map(items.map((svc) => [svc.metadata!.name!, svc]));
    }
    // The earlier backlogs' Events go first: the tail's count lists them every 500 ms.
    await raw.request('DELETE', `/api/v1/namespaces/${app}/events`, { discardBody: true, timeoutMs: 120_000 });
    const bareCounters = await apiCounters();
    const bareProfile = apiserverProfile(`bare ${name}`);
    const bareCpu = cpuSnapshot(apiPids);
    const b0 = performance.now();
    await timesBounded(N, PARALLEL, (i) => {
      const { method, body, query } = patch(i);
      const path = `/api/v1/namespaces/${app}/services/lb${i}/status`;
      return method === 'PUT' ? raw.replace(path, body, query) : raw.mergePatch(path, body, query);
    });
    raw.close();
    const seconds = (performance.now() - b0) / 1000;
    const cpuText = bareCpu();
    const requests = await apiCountersSince(bareCounters);
    await bareProfile;
    return { seconds, cpuText, requests };
  };
  /** Each backlog's name, rates and the bare loop before it; the bare loop after it is the next one's. */
  const backlogs: { name: string; bareSeconds: number; backlogRate: number; steadyRate: number }[] = [];

  // Per round, build and variant (BENCH_NODE_OPTIONS split at |), the two phases that give the ratio, in turn:
  for (let round = 1; round <= ROUNDS; round++) for (const build of BUILDS) for (const flags of VARIANTS) {
    const name = `${ROUNDS > 1 ? `round ${round}, ` : ''}${BUILDS.length > 1 ? `${build.name}, ` : ''}${flags.join(' ') || 'no flags'}`;
    if (process.env.BENCH_BARE_CONTROLLER_PATCH === '1') {
      const like = await bareLoop(`${name}, the controller's patch`, controllerPatch);
      controllerLoops.push({ name, seconds: like.seconds });
      lines.push(`[${name}] bare loop writing the controller's patch: ${fmt(like.seconds, 2)} s, ${fmt(N / like.seconds)} patches/s; CPU: ${like.cpuText}`);
    }
    const { seconds: bareSeconds, cpuText: bareCpuText, requests: bareRequests } = await bareLoop(name);

    // Phase 3 — backlog: N Services without IPs exist when a controller starts.
    console.log(`# backlog (${name}): a controller starts with ${N} Services waiting for IPs; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
    all = expectAll();
    await new Promise((r) => setTimeout(r, 1_100)); // the earlier phases' Events are all in an earlier second
    const backlogCounters = await apiCounters();
    const backlogCpu = cpuSnapshot(apiPids);
    const backlogSince = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const c0 = performance.now();
    const backlogProfile = apiserverProfile(`backlog ${name}`);
    const second = await startController(flags, build.start);
    await untilServed(all, second);
    const backlogSeconds = (performance.now() - c0) / 1000;
    const firstIp = Math.min(...served);
    const steadyRate = (N - 1) / ((performance.now() - firstIp) / 1000);
    const backlogCpuText = `${backlogCpu()}, controller ${fmt(cpuSeconds(second.pid))} s (incl. start-up)`;
    // The tail's count and CPU start now, at the last IP; the counters (a slow /metrics) meanwhile.
    const tail = eventsTail(second.pid, app, backlogSince);
    const backlogRequests = await apiCountersSince(backlogCounters);
    const backlogTail = await tail;
    const backlogPeak = memoryOf(second.pid);
    await stopProcess(second);
    await backlogProfile;

    const bareRate = N / bareSeconds;
    const backlogRate = N / backlogSeconds;
    lines.push(
      `[${name}] bare status-patch loop: ${fmt(bareSeconds, 2)} s, ${fmt(bareRate)} patches/s; CPU: ${bareCpuText}`,
      `[${name}] bare loop, the API server served: ${bareRequests}`,
      `[${name}] backlog: all ${N} have IPs ${fmt(backlogSeconds, 2)} s after the controller process started (first IP after ${fmt((firstIp - c0) / 1000, 2)} s): ${fmt(backlogRate)} Services/s overall, ${fmt(steadyRate)} Services/s from the first IP on`,
      `[${name}] backlog CPU: ${backlogCpuText}`,
      `[${name}] backlog until the last IP (and while /metrics was read), the API server served: ${backlogRequests}`,
      `[${name}] backlog controller RSS: ${fmt(backlogPeak.rss)} MB after, high-water ${fmt(backlogPeak.hwm)} MB; Events after the last IP: ${backlogTail}`,
      `[${name}] ratio backlog/bare: ${fmt(backlogRate / bareRate, 2)} overall, ${fmt(steadyRate / bareRate, 2)} from the first IP on (target ≥ 0.8)`,
    );
    console.log(lines.slice(-7).map((l) => `  ${l}`).join('\n')); // as it goes: a long run's rounds can be read before its end
    backlogs.push({ name, bareSeconds, backlogRate, steadyRate });
  }
  // One more bare loop, so that every backlog has one before and one after it: the load moves
  // between phases (consecutive bare loops ran at 124–1,141 patches/s), so each backlog is also
  // set against the mean time of the two loops around it.
  const last = await bareLoop('after the last backlog');
  lines.push(`[after the last backlog] bare status-patch loop: ${fmt(last.seconds, 2)} s, ${fmt(N / last.seconds)} patches/s; CPU: ${last.cpuText}`);
  backlogs.forEach((b, i) => {
    const after = backlogs[i + 1]?.bareSeconds ?? last.seconds;
    const aroundRate = N / ((b.bareSeconds + after) / 2);
    lines.push(`[${b.name}] ratio backlog / the bare loops before and after it (${fmt(N / b.bareSeconds)} and ${fmt(N / after)} patches/s): ${fmt(b.backlogRate / aroundRate, 2)} overall, ${fmt(b.steadyRate / aroundRate, 2)} from the first IP on (target ≥ 0.8)`);
  });
  for (const c of controllerLoops) {
    const b = backlogs.find((x) => x.name === c.name);
    if (b) lines.push(`[${c.name}] ratio backlog / the bare loop writing the controller's patch (${fmt(N / c.seconds)} patches/s, ${fmt(c.seconds / b.bareSeconds, 2)} × the cheapest loop's time): ${fmt(b.backlogRate / (N / c.seconds), 2)} overall, ${fmt(b.steadyRate / (N / c.seconds), 2)} from the first IP on`);
  }
  await watch.stop();
  console.log(lines.map((l) => `  ${l}`).join('\n'));
} finally {
  for (const p of procs) await stopProcess(p);
  eventsClient.close();
  await cp.stop();
  if (compiled) rmSync(compiled.dir, { recursive: true, force: true });
  if (baseline) rmSync(baseline.dir, { recursive: true, force: true });
}

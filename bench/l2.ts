// Benchmark (not a test) of layer-2 failover with the shipped programs and real kernels: etcd +
// kube-apiserver on the lab's root foot, `portside controller`, three nodes each running
// `portside speaker` (the compiled JavaScript the image runs, with the Pod's NODE_OPTIONS:
// bench/_cluster.ts) and a client on one bridge. Configured through the API: a dual-stack
// IPAddressPool holding one IPv4 and one IPv6 address, an L2Advertisement preferring node1
// (so every trial faults the same owner) and a RequireDualStack LoadBalancer Service with an
// endpoint on every node. Each node serves the VIPs (on its lo) with an HTTP server that
// answers its name (e2e/lab/node-http.ts); the client requests each VIP every 50 ms.
// Per fault — the owner's speaker killed (SIGKILL), its switch port down, its own interface
// down — BENCH_L2_TRIALS (default 20) trials of: fault → time to the client's first successful
// request served by the next owner (IPv4 and IPv6), the detection time (the first survivor's
// `liveness_dead` log line) and the first gratuitous ARP from the next owner seen by the
// client. After each trial the fault is undone and node1 takes the VIPs back. Also counts
// false deaths: `liveness_dead` lines that no fault explains. L2_LAB_NICE=-10 runs the
// speakers at that nice level (a Pod with a CPU request on a busy host).
//   flock /tmp/portside-netns.lock node bench/l2.ts
import { randomInt } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { announcementsSeen, firstServed, startAnnouncementWatch, startClient } from '../e2e/l2/segment-client.ts';
import type { LabNode } from '../e2e/lab/builder.ts';
import { Lab, type LabProcess } from '../e2e/netns/index.ts';
import { waitFor } from '../e2e/wait.ts';
import { envWholeNumber, numberOrExit } from '../lib/cli/numbers.ts';
import { isNativeAvailable } from '../native/index.ts';
import { DEFAULT_HEARTBEAT_INTERVAL_MS, DEFAULT_LIVENESS } from '../speaker/liveness/liveness-fsm.ts';
import { ownerOf } from '../speaker/l2/ownership.ts';
import { benchCluster, stateDir } from './_cluster.ts';

const TRIALS = numberOrExit(envWholeNumber(process.env, 'BENCH_L2_TRIALS', 20, { min: 1 }), 'bench l2');
const NICE = Number(process.env.L2_LAB_NICE ?? 0);
if (!Number.isInteger(NICE) || NICE < -20 || NICE > 19) throw new Error(`L2_LAB_NICE "${process.env.L2_LAB_NICE}" must be a nice level from -20 to 19`);
const HTTP_PORT = 8080;
const V6 = '2001:db8:2b::';
const NODE_HTTP = fileURLToPath(new URL('../e2e/lab/node-http.ts', import.meta.url));
const FAULTS = ['process-killed', 'switch-port-down', 'node-interface-down'] as const;
type Fault = (typeof FAULTS)[number];
type Node = LabNode<LabProcess>;

interface Trial {
  v4Ms: number;
  v6Ms: number;
  detectMs: number;
  garpMs: number;
}

interface FaultWindow {
  node: string;
  from: number;
  to: number;
}

interface LogLine {
  event?: string;
  time?: string;
  peer?: string;
  worstMs?: number;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
}

function summary(values: readonly number[]): Record<string, number> {
  const s = [...values].sort((a, b) => a - b);
  return { n: s.length, min: s[0] ?? NaN, p50: quantile(s, 0.5), p90: quantile(s, 0.9), p99: quantile(s, 0.99), max: s[s.length - 1] ?? NaN };
}

const row = (label: string, v: Record<string, number>) =>
  `${label.padEnd(34)} n=${String(v.n).padStart(2)}  min ${v.min}  p50 ${v.p50}  p90 ${v.p90}  p99 ${v.p99}  max ${v.max} ms`;
const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');

/** A node's speaker log lines (every start on the node shares one log) with their time in ms. */
function logLines(n: Node, event: string): Array<LogLine & { t: number }> {
  return (n.speaker?.jsonLines<LogLine>() ?? []).filter((l) => l.event === event).map((l) => ({ ...l, t: new Date(l.time ?? 0).getTime() }));
}

/** `liveness_dead` lines no fault explains: the faulted node seen dead, or seeing others dead, within its window. */
function falseDeaths(nodes: readonly Node[], windows: readonly FaultWindow[]): { observer: string; peer: string; t: number }[] {
  return nodes.flatMap((n) => logLines(n, 'liveness_dead')
    .filter((l) => !windows.some((w) => l.t >= w.from && l.t <= w.to && (w.node === l.peer || w.node === n.name)))
    .map((l) => ({ observer: n.name, peer: l.peer ?? '?', t: l.t })));
}

export async function run(): Promise<Record<string, unknown>> {
  if (process.getuid?.() !== 0) {
    const why = 'bench l2: needs root for network namespaces';
    if (process.env.CI === 'true') throw new Error(`${why} (CI=true)`);
    console.error(`SKIP ${why}`);
    return { skipped: why };
  }
  if (!isNativeAvailable()) throw new Error('bench l2: native addon missing: run native/build.sh');
  const loadAtStart = load();
  const lab = await Lab.create({ prefix: 'benchl2' });
  let cleanup = (): void => undefined;
  try {
    // Hosts: 1 the root foot (control plane), 2 the client, 3–5 the nodes, 14 the IPv4 VIP; all on-link.
    const base = 128 + 16 * randomInt(0, 8);
    const vip4 = `198.51.100.${base + 14}`;
    const vip6 = `${V6}100`;
    const bench = await benchCluster(lab, {
      lan: { v4: `198.51.100.${base}/28`, v6: `${V6}/64` },
      clients: { client: { host: 2 } },
      nodes: {
        count: 3,
        first: 3,
        name: (i) => `node${i + 1}`,
        vips: [`${vip4}/32`, `${vip6}/128`],
        setup: async (node) => void node.ns.spawn(process.execPath, [NODE_HTTP, node.name, String(HTTP_PORT)], { name: 'http' }),
      },
      speakerArgs: (node) => ['--metrics-addr', '127.0.0.1:0', '--log-level', 'info', '--state-dir', stateDir(lab, node)],
      speakerNice: NICE,
    });
    cleanup = bench.cleanup;
    const { built, objects } = bench;
    const nodes = built.nodes;
    const client = built.clients.client.ns;
    const [preferred] = nodes;
    if (!preferred) throw new Error('no nodes');
    const others = nodes.filter((n) => n !== preferred);
    const byName = (name: string | undefined): Node => others.find((n) => n.name === name) ?? (() => { throw new Error(`no next owner ${name}`); })();
    const next4 = byName(ownerOf(vip4, others.map((n) => ({ node: n.name, weight: 0 }))));
    const next6 = byName(ownerOf(vip6, others.map((n) => ({ node: n.name, weight: 0 }))));

    await objects.apply('ipaddresspools', 'IPAddressPool', 'bench', { addresses: [`${vip4}/32`, `${vip6}/128`] });
    await objects.apply('l2advertisements', 'L2Advertisement', 'bench', {
      ipAddressPools: ['bench'],
      preferredNodeSelectors: [{ weight: 1, preference: { matchLabels: { 'kubernetes.io/hostname': preferred.name } } }],
    });
    const core = objects.core;
    await core.createNamespace({ body: { metadata: { name: 'bench-l2' } } });
    await core.createNamespacedService({
      namespace: 'bench-l2',
      body: {
        metadata: { name: 'web' },
        spec: { type: 'LoadBalancer', ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv4', 'IPv6'], ports: [{ port: HTTP_PORT, protocol: 'TCP' }] },
      },
    });
    await objects.discovery.createNamespacedEndpointSlice({
      namespace: 'bench-l2',
      body: {
        metadata: { name: 'web-bench', labels: { 'kubernetes.io/service-name': 'web' } },
        addressType: 'IPv4',
        ports: [{ port: HTTP_PORT, protocol: 'TCP' }],
        endpoints: nodes.map((n, i) => ({ addresses: [`10.244.${i}.10`], nodeName: n.name, conditions: { ready: true } })),
      },
    });
    built.startController();
    await built.startNodes();

    const url4 = `http://${vip4}:${HTTP_PORT}/`;
    const url6 = `http://[${vip6}]:${HTTP_PORT}/`;
    const clientProc = startClient(client, [url4, url6]);
    const watch = startAnnouncementWatch(client);
    /** Every other node has seen node1 alive since `since`, and node1 serves both VIPs. */
    const steady = async (since: number) => {
      await waitFor(() => others.every((n) => logLines(n, 'liveness_alive').some((l) => l.peer === preferred.name && l.t >= since)) || since === 0, {
        what: `the others see ${preferred.name} alive`, timeoutMs: 30_000,
      });
      await waitFor(() => firstServed(clientProc, url4, preferred.name, since) && firstServed(clientProc, url6, preferred.name, since), {
        what: `${preferred.name} serves both VIPs`, timeoutMs: 30_000,
      });
    };
    await steady(0).catch((err: unknown) => {
      const tail = (p: LabProcess | undefined) => p?.logTail(1_500).split('\n').slice(-6).join('\n    ');
      console.error(`client:\n    ${tail(clientProc)}\n${nodes.map((n) => `${n.name}:\n    ${tail(n.speaker)}`).join('\n')}`);
      throw err;
    });

    const windows: FaultWindow[] = [];
    const results = new Map<Fault, Trial[]>();
    const began = Date.now();
    for (const fault of FAULTS) {
      const trials: Trial[] = [];
      for (let i = 0; i < TRIALS; i++) {
        // Settle, then a random phase against the heartbeat timer, like a real fault.
        await new Promise((r) => setTimeout(r, 1_000 + Math.random() * DEFAULT_HEARTBEAT_INTERVAL_MS));
        const faultAt = Date.now();
        if (fault === 'process-killed') await preferred.speaker?.kill();
        else if (fault === 'switch-port-down') await preferred.link.setDown();
        else await preferred.ns.linkUp('eth0', false);
        const s4 = await waitFor(() => firstServed(clientProc, url4, next4.name, faultAt), { what: `${vip4} served by ${next4.name}`, timeoutMs: 15_000 });
        const s6 = await waitFor(() => firstServed(clientProc, url6, next6.name, faultAt), { what: `${vip6} served by ${next6.name}`, timeoutMs: 15_000 });
        const deadAt = others.flatMap((n) => logLines(n, 'liveness_dead')).filter((l) => l.peer === preferred.name && l.t >= faultAt).map((l) => l.t);
        const garp = announcementsSeen(watch, vip4, faultAt).find((a) => a.mac === next4.mac);
        trials.push({ v4Ms: s4.end - faultAt, v6Ms: s6.end - faultAt, detectMs: Math.min(...deadAt) - faultAt, garpMs: garp ? garp.t - faultAt : NaN });

        const recoverAt = Date.now();
        if (fault === 'process-killed') await built.start(preferred);
        else if (fault === 'switch-port-down') await preferred.link.setUp();
        else await preferred.ns.linkUp('eth0', true);
        await steady(recoverAt);
        windows.push({ node: preferred.name, from: faultAt, to: Date.now() + 1_000 });
        process.stderr.write(`${fault} #${i + 1}: v4 ${s4.end - faultAt} ms, v6 ${s6.end - faultAt} ms (load ${load()})\n`);
      }
      results.set(fault, trials);
    }
    // Watch a steady cluster a little longer for false deaths with no fault at all.
    await new Promise((r) => setTimeout(r, 5_000));
    const falses = falseDeaths(nodes, windows);
    const lagMs = Math.max(0, ...nodes.flatMap((n) => logLines(n, 'liveness_timer_lag').map((l) => l.worstMs ?? 0)));

    const out: Record<string, unknown> = {
      speakers: bench.describe,
      liveness: { timeoutMs: DEFAULT_LIVENESS.timeoutMs, intervalMs: DEFAULT_HEARTBEAT_INTERVAL_MS },
      trialsPerFault: TRIALS,
      seconds: Math.round((Date.now() - began) / 1000),
      machine: { cpus: cpus().length, loadavgAtStart: loadAtStart, loadavgAtEnd: load() },
      falseDeaths: falses.length,
      falseDeathEvents: falses,
      worstTimerLagMs: lagMs,
    };
    console.log(`L2 failover with portside speaker (${bench.describe}), fault → first request served by the next owner (client every 50 ms); liveness ${DEFAULT_LIVENESS.timeoutMs} ms / ${DEFAULT_HEARTBEAT_INTERVAL_MS} ms`);
    for (const [fault, trials] of results) {
      const s = {
        v4: summary(trials.map((t) => t.v4Ms)),
        v6: summary(trials.map((t) => t.v6Ms)),
        detect: summary(trials.map((t) => t.detectMs).filter(Number.isFinite)),
        garp: summary(trials.map((t) => t.garpMs).filter(Number.isFinite)),
      };
      out[fault] = s;
      console.log(row(`${fault} IPv4 served`, s.v4));
      console.log(row(`${fault} IPv6 served`, s.v6));
      console.log(row(`${fault} dead seen`, s.detect));
      console.log(row(`${fault} first GARP at client`, s.garp));
    }
    console.log(`false deaths: ${falses.length}${falses.length ? ` ${JSON.stringify(falses)}` : ''}; worst timer lag a speaker logged: ${lagMs} ms`);
    console.log(`machine: ${cpus().length} CPUs, load average ${loadAtStart} at the start, ${load()} at the end`);
    return out;
  } finally {
    await lab.destroy();
    cleanup();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = await run();
  console.log(JSON.stringify(out));
}

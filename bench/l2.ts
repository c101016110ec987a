// Benchmark (not a test) of layer-2 failover with real kernels: three speaker nodes and a
// client on one bridge (e2e/l2), the client requesting each VIP every 50 ms.
// Per fault — the owner's process killed, its switch port down, its own interface down —
// BENCH_L2_TRIALS (default 20) trials of: fault → time to the client's first successful
// request served by the next owner (IPv4 and IPv6), with the detection time (first
// survivor's `dead`) and the first gratuitous ARP seen by the client. After each trial the
// fault is undone and the preferred owner takes its IPs back. Also counts false deaths:
// `dead` events that no fault explains. Needs root; `node bench/l2.ts` runs it alone.
// L2_LAB_NICE=-10 runs speakers and client at a higher CPU priority (a busy-host run).
import { loadavg, cpus } from 'node:os';
import { envWholeNumber, numberOrExit } from '../lib/cli/numbers.ts';
import { fileURLToPath } from 'node:url';
import { Lab } from '../e2e/netns/index.ts';
import { waitFor } from '../e2e/wait.ts';
import { isNativeAvailable } from '../native/index.ts';
import { DEFAULT_HEARTBEAT_INTERVAL_MS, DEFAULT_LIVENESS } from '../speaker/liveness/liveness-fsm.ts';
import { ownerOf } from '../speaker/l2/ownership.ts';
import {
  announcementsSeen,
  firstServed,
  HTTP_PORT,
  l2Lab,
  lastOwned,
  startAnnouncementWatch,
  startClient,
  startWorker,
  VIP4,
  VIP6,
  type L2Node,
} from '../e2e/l2/failover-lab.ts';
import type { WorkerService } from '../e2e/l2/failover-worker.ts';

const TRIALS = numberOrExit(envWholeNumber(process.env, 'BENCH_L2_TRIALS', 20, { min: 1 }), 'bench l2');
const URL4 = `http://${VIP4}:${HTTP_PORT}/`;
const URL6 = `http://[${VIP6}]:${HTTP_PORT}/`;
const FAULTS = ['process-killed', 'switch-port-down', 'node-interface-down'] as const;
type Fault = (typeof FAULTS)[number];

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

/** `dead` events no fault explains: the faulted node seen dead, or seeing others dead, within its window. */
function falseDeaths(nodes: readonly L2Node[], windows: readonly FaultWindow[]): { observer: string; peer: string; t: number; lagMs?: number }[] {
  const out: { observer: string; peer: string; t: number; lagMs?: number }[] = [];
  for (const n of nodes) {
    for (const m of n.speaker?.jsonLines() ?? []) {
      if (m.event !== 'dead') continue;
      const t = m.t as number;
      const peer = m.peer as string;
      const explained = windows.some((w) => t >= w.from && t <= w.to && (w.node === peer || w.node === n.name));
      if (!explained) out.push({ observer: n.name, peer, t, lagMs: m.lagMs as number | undefined });
    }
  }
  return out;
}

export async function run(): Promise<Record<string, unknown>> {
  if (process.getuid?.() !== 0) {
    const why = 'bench l2: needs root for network namespaces';
    if (process.env.CI === 'true') throw new Error(`${why} (CI=true)`);
    console.error(`SKIP ${why}`);
    return { skipped: why };
  }
  if (!isNativeAvailable()) throw new Error('bench l2: native addon missing: run native/build.sh');
  const lab = await Lab.create({ prefix: `bl${Math.random().toString(16).slice(2, 6)}` });
  try {
    const { nodes, client } = await l2Lab(lab);
    // n1 is preferred for both VIPs (weight 1), so every trial faults the same owner.
    const [preferred] = nodes;
    if (!preferred) throw new Error('no nodes');
    const weights = { [preferred.name]: 1 };
    const services: WorkerService[] = [VIP4, VIP6].map((ip) => ({ name: ip, ip, nodes: nodes.map((n) => n.name), weights }));
    const others = nodes.filter((n) => n !== preferred);
    const nextName = ownerOf(VIP4, others.map((n) => ({ node: n.name, weight: 0 })));
    const next6Name = ownerOf(VIP6, others.map((n) => ({ node: n.name, weight: 0 })));
    const next = nodes.find((n) => n.name === nextName);
    if (!next || !next6Name) throw new Error('no next owner');
    const start = (n: L2Node) => startWorker(n, nodes, { services });
    for (const n of nodes) start(n);
    const clientProc = startClient(client);
    const watch = startAnnouncementWatch(client);

    const steady = async (since: number) => {
      await waitFor(() => nodes.every((n) => (lastOwned(n)?.live ?? []).length === 2), { what: 'all speakers see each other', timeoutMs: 20_000 });
      await waitFor(() => firstServed(clientProc, URL4, preferred.name, since) && firstServed(clientProc, URL6, preferred.name, since), {
        what: `${preferred.name} serves both VIPs`,
        timeoutMs: 20_000,
      });
    };
    await steady(0);

    const windows: FaultWindow[] = [];
    const results = new Map<Fault, Trial[]>();
    const began = Date.now();
    for (const fault of FAULTS) {
      const trials: Trial[] = [];
      for (let i = 0; i < TRIALS; i++) {
        // A random phase against the heartbeat timer, like a real fault.
        await new Promise((r) => setTimeout(r, 100 + Math.random() * DEFAULT_HEARTBEAT_INTERVAL_MS));
        const faultAt = Date.now();
        if (fault === 'process-killed') await preferred.speaker?.kill();
        else if (fault === 'switch-port-down') await preferred.link.setDown();
        else await preferred.ns.linkUp('eth0', false);
        const s4 = await waitFor(() => firstServed(clientProc, URL4, next.name, faultAt), { what: `${VIP4} served by ${next.name}`, timeoutMs: 15_000 });
        const s6 = await waitFor(() => firstServed(clientProc, URL6, next6Name, faultAt), { what: `${VIP6} served by ${next6Name}`, timeoutMs: 15_000 });
        const deadAt = others
          .flatMap((n) => (n.speaker?.jsonLines() ?? []))
          .filter((m) => m.event === 'dead' && m.peer === preferred.name && (m.t as number) >= faultAt)
          .map((m) => m.t as number);
        const garp = announcementsSeen(watch, VIP4, faultAt).find((a) => a.mac === next.mac);
        trials.push({ v4Ms: s4.end - faultAt, v6Ms: s6.end - faultAt, detectMs: Math.min(...deadAt) - faultAt, garpMs: garp ? garp.t - faultAt : NaN });

        const recoverAt = Date.now();
        if (fault === 'process-killed') start(preferred);
        else if (fault === 'switch-port-down') await preferred.link.setUp();
        else await preferred.ns.linkUp('eth0', true);
        await steady(recoverAt);
        windows.push({ node: preferred.name, from: faultAt, to: Date.now() + 1_000 });
        process.stderr.write(`${fault} #${i + 1}: v4 ${s4.end - faultAt} ms, v6 ${s6.end - faultAt} ms\n`);
      }
      results.set(fault, trials);
    }
    // Watch a steady cluster a little longer for false deaths with no fault at all.
    await new Promise((r) => setTimeout(r, 5_000));
    const falses = falseDeaths(nodes, windows);
    const lagMs = Math.max(...nodes.map((n) => (n.speaker?.jsonLines() ?? []).filter((m) => m.event === 'dead').map((m) => (m.lagMs as number) ?? 0)).flat(), 0);

    const out: Record<string, unknown> = {
      liveness: { timeoutMs: DEFAULT_LIVENESS.timeoutMs, intervalMs: DEFAULT_HEARTBEAT_INTERVAL_MS },
      trialsPerFault: TRIALS,
      seconds: Math.round((Date.now() - began) / 1000),
      machine: { cpus: cpus().length, loadavg: loadavg().map((l) => Number(l.toFixed(2))), nice: process.env.L2_LAB_NICE ?? '0' },
      falseDeaths: falses.length,
      falseDeathEvents: falses,
      maxTimerLagAtDeathMs: lagMs,
    };
    console.log(`L2 failover, fault → first request served by the next owner (client every 50 ms); liveness ${DEFAULT_LIVENESS.timeoutMs} ms / ${DEFAULT_HEARTBEAT_INTERVAL_MS} ms`);
    for (const [fault, trials] of results) {
      const s = {
        v4: summary(trials.map((t) => t.v4Ms)),
        v6: summary(trials.map((t) => t.v6Ms)),
        detect: summary(trials.map((t) => t.detectMs)),
        garp: summary(trials.map((t) => t.garpMs).filter(Number.isFinite)),
      };
      out[fault] = s;
      console.log(row(`${fault} IPv4 served`, s.v4));
      console.log(row(`${fault} IPv6 served`, s.v6));
      console.log(row(`${fault} dead seen`, s.detect));
      console.log(row(`${fault} first GARP at client`, s.garp));
    }
    console.log(`false deaths: ${falses.length}${falses.length ? ` ${JSON.stringify(falses)}` : ''}`);
    console.log(`machine: ${cpus().length} CPUs, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}, speakers at nice ${process.env.L2_LAB_NICE ?? '0'}`);
    return out;
  } finally {
    await lab.destroy();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = await run();
  console.log(JSON.stringify(out));
}

// Benchmark (not a test): an FRR ToR (bgpd + bfdd) drops a silent node, BFD at 300 ms × 3 and
// 100 ms × 3, with the node being the real `portside speaker` (configured through the API: a
// real kube-apiserver, `portside controller`, BFDProfile + BGPPeer.bfdProfile), FRR itself
// (bgpd + bfdd, the same profile), or `portside speaker --bgp-backend frr` with its sidecar FRR
// (zebra + bgpd + bfdd started empty and the shipped reloader, e2e/speaker/frr-sidecar.ts: the
// speaker renders the BFDProfile and BGPPeer from the API into the sidecar's bfdd), in one lab
// (e2e/bfd/tor-lab.ts) and one run, trials interleaved between the kinds. Then a soak at
// 100 ms × 3 under load.
//
// The fault: the node's eth0 gets a `pfifo limit 0` root qdisc, which drops every frame the node
// sends at its egress queue (a limit of 0 also turns off the empty-queue bypass). It is below
// both implementations' sockets: a UDP send still succeeds, no interface or carrier changes,
// so neither program learns of it or reacts to it (no fast external failover, no link-down
// path) and the node still hears the ToR; the ToR can only notice by BFD silence. Measured:
// - fault → route gone: from just before the qdisc is added to the kernel's notification that
//   the ToR's route for the VIP lost the node's next hop (`ip -ts monitor`, e2e/netns/route-monitor.ts);
// - last packet → route gone: from the node's last BFD packet captured at the ToR (tcpdump
//   in the ToR's namespace, the kernel's receive timestamp) to the same notification. This is
//   the ToR's detection time plus its bfdd → bgpd → zebra → kernel work, without the chance
//   of where the fault fell within the node's transmit interval.
// Soak (BENCH_BFD_SOAK_S, default 600; 0 skips): 100 ms × 3 while Services churn through the
// controller and the speakers (BGP updates to the ToR); reports session drops the ToR counted
// (bfdd session-down, bgpd connectionsDropped), the speakers' portside_bfd_session_down_events,
// and the gaps between consecutive BFD packets each node's sent, as captured at the ToR.
//
// Env: BENCH_BFD_TRIALS (per kind and profile, default 20; 0: the soak only), BENCH_BFD_NODES (per kind,
// default 2), BENCH_BFD_SOAK_S, BENCH_BFD_KINDS (default `portside,frr,portside-frr`: the native
// speaker, FRR, and the speaker's frr backend with its sidecar FRR), BENCH_BFD_NICE (default 10: every BFD endpoint — ToR, FRR nodes, speakers, the
// sidecar FRRs — runs at nice -10), BENCH_NODE_OPTIONS (Node flags for the speakers, e.g. the
// Pod's `--max-semi-space-size=4 --max-old-space-size=128 --optimize-for-size`; none by default).
// Needs root; `node bench/bfd.ts` runs it alone.
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { DiscoveryV1Api } from '@kubernetes/client-node';
import { envWholeNumber, numberOrExit } from '../lib/cli/numbers.ts';
import { Lab, PacketCapture, reniceThreads, RouteMonitor, type CapturedPacket } from '../e2e/netns/index.ts';
import type { FrrRouter } from '../e2e/routers/index.ts';
import type { LabHost } from '../e2e/lab/builder.ts';
import { buildLabCluster, serviceWithEndpoints, type ClusterNode, type LabCluster } from '../e2e/speaker/lab-cluster.ts';
import {
  configurePortside, countsSince, DETECT_MULTIPLIER, setFrrInterval, setPortsideInterval, speakerBfdDownLog, speakerBfdDowns, startFrrNode, startTor, torBfdDowns, torCounts,
  VIP_PREFIX, waitConverged,
} from '../e2e/bfd/tor-lab.ts';
import { waitFor } from '../e2e/wait.ts';
import { frrSpeakerArgs, startSidecar } from '../e2e/speaker/frr-sidecar.ts';

const TRIALS = numberOrExit(envWholeNumber(process.env, 'BENCH_BFD_TRIALS', 20, { min: 0 }), 'bench bfd');
const PER_KIND = numberOrExit(envWholeNumber(process.env, 'BENCH_BFD_NODES', 2, { min: 1, max: 5 }), 'bench bfd');
const SOAK_S = numberOrExit(envWholeNumber(process.env, 'BENCH_BFD_SOAK_S', 600, { min: 0 }), 'bench bfd');
const INTERVALS_MS = [300, 100] as const;
const SOAK_INTERVAL_MS = 100;
// Every BFD endpoint (ToR, FRR nodes, speakers) runs at this nice level: the lab's stand-in for
// Pods and routers with CPU of their own on a shared 2-core machine; 0 leaves them as they are.
const NICE = numberOrExit(envWholeNumber(process.env, 'BENCH_BFD_NICE', 10, { min: 0, max: 19 }), 'bench bfd');

/**
 * What runs BGP + BFD on a node. `speakerArgs`: the node runs the real `portside speaker` with
 * these flags (configured through the API, so its interval follows the BFDProfile); `start`:
 * anything else the node runs, the PIDs that run at the BFD endpoints' nice level, and how its
 * own side changes interval (none: the BFDProfile through the API does it).
 */
interface NodeKind {
  speakerArgs?: (node: LabHost) => readonly string[];
  start?: (c: LabCluster, node: ClusterNode, intervalMs: number) => Promise<{ setInterval?(ms: number): Promise<void>; pids: number[] }>;
}

const KINDS: Record<string, NodeKind> = {
  portside: { speakerArgs: () => [] },
  frr: {
    async start(c, node, intervalMs) {
      const frr: FrrRouter = await startFrrNode(c, node, intervalMs);
      return { setInterval: (ms) => setFrrInterval(frr, ms), pids: Object.values(frr.processes).map((p) => p.pid) };
    },
  },
  // The frr backend as its Pod runs it: the speaker renders the BFDProfile into the sidecar's
  // bfdd; the sidecar's daemons are the BFD endpoint, so they get the nice level.
  'portside-frr': {
    speakerArgs: frrSpeakerArgs,
    async start(c, node) {
      const { frr } = await startSidecar(c.lab, node);
      return { pids: Object.values(frr.processes).map((p) => p.pid) };
    },
  },
};

/** BENCH_NODE_OPTIONS: Node flags for the speakers (e.g. the Pod's V8 flags); none by default. */
const NODE_FLAGS = (process.env.BENCH_NODE_OPTIONS ?? '').split(/\s+/).filter(Boolean);
const kindNames = (process.env.BENCH_BFD_KINDS ?? 'portside,frr,portside-frr').split(',').map((k) => k.trim()).filter(Boolean);
for (const k of kindNames) if (!KINDS[k]) throw new Error(`BENCH_BFD_KINDS: unknown kind ${k} (known: ${Object.keys(KINDS).join(', ')})`);

const wallNow = (): number => performance.timeOrigin + performance.now();

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
}

function summary(values: readonly number[]): Record<string, number> {
  const s = [...values].sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 10) / 10;
  return { n: s.length, min: r(s[0] ?? NaN), p50: r(quantile(s, 0.5)), p90: r(quantile(s, 0.9)), p99: r(quantile(s, 0.99)), max: r(s.at(-1) ?? NaN) };
}

const load = () => loadavg().map((x) => x.toFixed(1)).join(' ');

interface Bench {
  c: LabCluster;
  tor: FrrRouter;
  monitor: RouteMonitor;
  capture: PacketCapture;
  nodesOf: Record<string, ClusterNode[]>;
  setIntervals: Array<(ms: number) => Promise<void>>;
}

/** Drops everything `node` sends (see the top of the file), or stops doing so. */
async function silence(node: ClusterNode, on: boolean): Promise<void> {
  await node.ns.exec('tc', on ? ['qdisc', 'add', 'dev', 'eth0', 'root', 'pfifo', 'limit', '0'] : ['qdisc', 'del', 'dev', 'eth0', 'root']);
}

async function trial(b: Bench, node: ClusterNode, intervalMs: number): Promise<{ faultMs: number; lastPacketMs: number; leaked: number }> {
  const all = b.c.nodes.map((n) => n.v4);
  const t0 = wallNow();
  await silence(node, true);
  const t1 = wallNow();
  const gone = await b.monitor.waitNextHops(VIP_PREFIX, all.filter((a) => a !== node.v4), t0, { timeoutMs: 20 * intervalMs * DETECT_MULTIPLIER });
  const last = b.capture.lastFrom(node.v4, gone.t);
  if (!last) throw new Error(`${node.name}: no BFD packet captured before the route went`);
  // Packets from the node after the qdisc was surely in place (tc had returned): the fault leaked.
  const leaked = b.capture.packets().filter((p) => p.src === node.v4 && p.t > t1 && p.t < gone.t).length;
  await silence(node, false);
  await waitConverged(b.tor, b.c.nodes, intervalMs);
  return { faultMs: gone.t - t0, lastPacketMs: gone.t - last.t, leaked };
}

async function profileRun(b: Bench, intervalMs: number): Promise<Record<string, unknown>> {
  for (const set of b.setIntervals) await set(intervalMs);
  await waitConverged(b.tor, b.c.nodes, intervalMs);
  const loadBefore = load();
  const results: Record<string, { fault: number[]; lastPacket: number[]; leaked: number }> = {};
  for (let i = 0; i < TRIALS; i++) {
    for (const kind of kindNames) {
      const nodes = b.nodesOf[kind]!;
      const t = await trial(b, nodes[i % nodes.length]!, intervalMs);
      const r = (results[kind] ??= { fault: [], lastPacket: [], leaked: 0 });
      r.fault.push(t.faultMs);
      r.lastPacket.push(t.lastPacketMs);
      r.leaked += t.leaked;
    }
  }
  const out: Record<string, unknown> = { intervalMs, multiplier: DETECT_MULTIPLIER, trialsPerKind: TRIALS, loadBefore, loadAfter: load() };
  for (const [kind, r] of Object.entries(results)) {
    out[kind] = { faultToRouteGoneMs: summary(r.fault), lastPacketToRouteGoneMs: summary(r.lastPacket), packetsAfterFault: r.leaked };
  }
  const f = results.frr;
  const minusFrr = (r: { lastPacket: number[] }) => Math.round((summary(r.lastPacket).p99! - summary(f!.lastPacket).p99!) * 10) / 10;
  if (f && results.portside) out.lastPacketP99PortsideMinusFrrMs = minusFrr(results.portside);
  if (f && results['portside-frr']) out.lastPacketP99FrrBackendMinusFrrMs = minusFrr(results['portside-frr']);
  return out;
}

/** Creates and deletes Services (with endpoints on the speaker nodes) until `stop()`; the controller allocates, the speakers announce and withdraw. */
function churnServices(c: LabCluster, speakers: readonly ClusterNode[]): { stop: () => Promise<{ created: number }> } {
  let running = true;
  let created = 0;
  const discovery = c.plane.kubeconfig.makeApiClient(DiscoveryV1Api);
  const loop = (async () => {
    await c.apply('ipaddresspools', 'IPAddressPool', 'churn', { addresses: ['203.0.113.128/26'], autoAssign: false });
    await c.apply('bgpadvertisements', 'BGPAdvertisement', 'churn', { ipAddressPools: ['churn'] });
    for (let round = 0; running; round++) {
      const names = Array.from({ length: 20 }, (_, i) => `churn-${round}-${i}`);
      await Promise.all(names.map((n) => serviceWithEndpoints(c, 'churn', n, speakers, undefined, { 'portside.dev/address-pool': 'churn' })));
      created += names.length;
      await waitFor(async () => (await Promise.all(names.map(async (n) => (await c.cluster.getService('churn', n)).status?.loadBalancer?.ingress?.length))).every(Boolean), { timeoutMs: 60_000, what: 'churn Services get IPs' });
      await Promise.all(names.map(async (n) => {
        await c.cluster.deleteService('churn', n);
        await discovery.deleteNamespacedEndpointSlice({ namespace: 'churn', name: `${n}-e2e` });
      }));
    }
  })();
  return { stop: async () => { running = false; await loop; return { created }; } };
}

const tally = (xs: readonly string[]): Record<string, number> => xs.reduce<Record<string, number>>((acc, x) => ({ ...acc, [x]: (acc[x] ?? 0) + 1 }), {});

/** Gaps between consecutive packets from `src`, ms. */
function gaps(packets: readonly CapturedPacket[], src: string, from: number, to: number): number[] {
  const ts = packets.filter((p) => p.src === src && p.t >= from && p.t <= to).map((p) => p.t);
  return ts.slice(1).map((t, i) => t - ts[i]!);
}

async function soak(b: Bench, seconds: number): Promise<Record<string, unknown>> {
  for (const set of b.setIntervals) await set(SOAK_INTERVAL_MS);
  await waitConverged(b.tor, b.c.nodes, SOAK_INTERVAL_MS);
  const speakers = b.nodesOf.portside ?? [];
  const before = await torCounts(b.tor, b.c.nodes);
  const speakerBefore = await Promise.all(speakers.map((n) => speakerBfdDowns(b.c, n)));
  const loads: number[] = [];
  const from = wallNow();
  const churn = churnServices(b.c, speakers);
  const sampler = setInterval(() => loads.push(loadavg()[0]!), 10_000);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  clearInterval(sampler);
  const { created } = await churn.stop();
  const to = wallNow();
  const after = await torCounts(b.tor, b.c.nodes);
  const speakerAfter = await Promise.all(speakers.map((n) => speakerBfdDowns(b.c, n)));
  const packets = b.capture.packets();
  const perNode: Record<string, unknown> = {};
  const delta = countsSince(before, after);
  for (const n of b.c.nodes) {
    const kind = kindNames.find((k) => b.nodesOf[k]?.includes(n)) ?? '?';
    const g = gaps(packets, n.v4, from, to);
    const i = speakers.indexOf(n);
    const torDowns = torBfdDowns(b.tor).filter((d) => d.peer === n.v4 && d.t >= from && d.t <= to);
    // Who was late: the node (nothing reached the ToR for a detection time) or the ToR's bfdd (packets had arrived).
    const silentFor = (t: number) => t - (packets.findLast((p) => p.src === n.v4 && p.t < t)?.t ?? -Infinity);
    const detectMs = SOAK_INTERVAL_MS * DETECT_MULTIPLIER;
    perNode[n.name] = {
      kind, tor: delta[n.name],
      torBfdDownReasons: tally(torDowns.map((d) => d.reason)),
      torExpiredBecause: tally(torDowns.filter((d) => d.reason === 'control-expired').map((d) => (silentFor(d.t) >= detectMs ? 'node silent' : 'ToR late'))),
      ...(i >= 0 ? {
        speakerBfdDownEvents: speakerAfter[i]! - speakerBefore[i]!,
        speakerBfdDownDiags: tally(speakerBfdDownLog(n).filter((d) => d.t >= from && d.t <= to).map((d) => d.diag)),
      } : {}),
      txGapMs: { ...summary(g), p999: Math.round(quantile([...g].sort((x, y) => x - y), 0.999) * 10) / 10, over200: g.filter((x) => x > 200).length },
    };
  }
  return {
    seconds, nice: -NICE, intervalMs: SOAK_INTERVAL_MS, multiplier: DETECT_MULTIPLIER, servicesChurned: created,
    load1: { min: Math.min(...loads), max: Math.max(...loads), mean: Math.round((loads.reduce((s, x) => s + x, 0) / loads.length) * 10) / 10 },
    nodes: perNode,
  };
}

export async function run(): Promise<Record<string, unknown>> {
  const nodes = kindNames.flatMap((k) => Array.from({ length: PER_KIND }, () => k));
  const lab = await Lab.create({ prefix: 'benchbfd' });
  try {
    const kindOf = new Map(nodes.map((k, i) => [`node${i + 1}`, KINDS[k]!])); // lab-cluster names nodes node1, node2, …
    const c = await buildLabCluster(lab, {
      nodes: nodes.length,
      runsSpeaker: (i) => KINDS[nodes[i]!]!.speakerArgs !== undefined,
      speakerArgs: (node) => kindOf.get(node.name)?.speakerArgs?.(node) ?? [],
      ...(NODE_FLAGS.length > 0 ? { speakerNodeFlags: NODE_FLAGS } : {}),
      router: {},
    });
    const first = INTERVALS_MS[0];
    const nodesOf: Record<string, ClusterNode[]> = {};
    c.nodes.forEach((n, i) => (nodesOf[nodes[i]!] ??= []).push(n));
    const tor = await startTor(c, first);
    const setIntervals: Array<(ms: number) => Promise<void>> = [(ms) => setFrrInterval(tor, ms)];
    const speakerNodes = c.nodes.filter((n) => n.speaker);
    if (speakerNodes.length > 0) {
      await configurePortside(c, first, speakerNodes);
      setIntervals.push((ms) => setPortsideInterval(c, ms));
    }
    const pids = [...Object.values(tor.processes).map((p) => p.pid), ...c.nodes.flatMap((n) => (n.speaker ? [n.speaker.pid] : []))];
    for (const [i, n] of c.nodes.entries()) {
      const started = await KINDS[nodes[i]!]!.start?.(c, n, first);
      if (started?.setInterval) setIntervals.push(started.setInterval);
      pids.push(...(started?.pids ?? []));
    }
    if (NICE > 0) await reniceThreads(pids, -NICE);
    const monitor = await RouteMonitor.start(c.router!.ns);
    const capture = await PacketCapture.start(c.router!.ns, 'eth0', `udp dst port 3784 and not src host ${c.router!.v4}`);
    const b: Bench = { c, tor, monitor, capture, nodesOf, setIntervals };
    await waitConverged(tor, c.nodes, first);

    const out: Record<string, unknown> = { date: new Date().toISOString(), cpus: cpus().length, nice: -NICE, node: process.version, speakerNodeFlags: NODE_FLAGS.join(' '), kinds: Object.fromEntries(Object.entries(nodesOf).map(([k, v]) => [k, v.map((n) => n.name)])) };
    for (const ms of TRIALS > 0 ? INTERVALS_MS : []) {
      const key = `bfd${ms}x${DETECT_MULTIPLIER}`;
      out[key] = await profileRun(b, ms);
      console.log(`${key}: ${JSON.stringify(out[key])}`);
    }
    if (SOAK_S > 0 && nodesOf.portside) {
      out.soak = await soak(b, SOAK_S);
      console.log(`soak: ${JSON.stringify(out.soak)}`);
    }
    return out;
  } finally {
    await lab.destroy();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.getuid?.() !== 0) {
    console.error('bench/bfd.ts needs root (network namespaces)');
    process.exit(1);
  }
  await run();
}

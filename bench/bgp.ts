// Benchmark (not a test): 10,000 prefixes from the shipped `portside speaker` into an FRR 8.4
// ToR, against FRR→FRR on the same topology. Everything real and configured through the API:
// etcd + kube-apiserver on the lab's root foot, `portside controller`, one node running
// `portside speaker` (the compiled JavaScript the image runs, with the Pod's NODE_OPTIONS), an
// IPAddressPool of IPv6 /128s (the documentation IPv4 ranges hold 512 addresses), a BGPPeer
// over IPv6 to the ToR, a BGPAdvertisement and BENCH_BGP_PREFIXES (default 10,000)
// LoadBalancer Services, each with an EndpointSlice on the node, created PARALLEL at a time.
//
// Figures:
// - live: the Services created while the session is up → FRR counts all of them (pfxRcd);
//   BENCH_BGP_LIVE=0 creates them before the speaker starts instead;
// - BENCH_BGP_TRIALS (default 3) table transfers per side, each timed from the session
//   reaching Established to FRR counting all prefixes received (`pfxRcd`): the ToR shuts the
//   neighbor (`neighbor … shutdown`), waits until it holds none, re-enables it and polls its
//   summary back to back (both sides timed alike, to about one poll, ≈ 10–30 ms; FRR's own
//   uptime counts whole seconds). For FRR→FRR the node runs FRR (bgpd) instead, its `network`s
//   configured while the session is shut (the config push is not counted);
// - the speaker's RSS and high-water mark (VmHWM) holding them, and its CPU: when it goes quiet
//   and again BENCH_BGP_SETTLE_S (default 30) seconds after one scrape of its /metrics (held
//   memory, once V8's memory reducer and the glibc trim have acted, as in a scraped Pod);
// - restarts with the Services waiting, one per Node flag set (BENCH_RESTART_NODE_OPTIONS,
//   `|` between sets; default the Pod flags): RSS and high-water once it is quiet again.
// BENCH_BUILD=source runs the TypeScript instead; BENCH_NODE_OPTIONS replaces the Pod flags
// (e.g. `--max-semi-space-size=4 --max-old-space-size=128 --optimize-for-size` are the default; `NAME=value` entries
// there and in BENCH_RESTART_NODE_OPTIONS go in the speaker's environment, e.g. MALLOC_ARENA_MAX=2); BENCH_CPU_PROF=<dir>
// and BENCH_HEAP_SNAPSHOT=<dir> profile the speaker (a heap snapshot there after the transfers).
// BENCH_BASELINE=<checkout> restarts with that checkout's compiled speaker too, after each of
// this one's, BENCH_RESTART_ROUNDS (default 1) times: two builds compared in one run.
// BENCH_BGP_HOLD_FILE=<path> pauses with the first speaker holding them all: the file is written
// with its pid and the bench goes on once it is removed (for /proc, gdb, heaptrack by hand).
//   flock /tmp/portside-netns.lock node bench/bgp.ts
import { randomInt } from 'node:crypto';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { GROUP, VERSION } from '../crds/index.ts';
import { INSTALL_NAMESPACE } from '../e2e/controlplane.ts';
import { Lab, type Netns } from '../e2e/netns/index.ts';
import { startFrr, type FrrRouter } from '../e2e/routers/index.ts';
import { waitFor } from '../e2e/wait.ts';
import { timesBounded } from '../lib/async/bounded.ts';
import { envWholeNumber, numberOrExit } from '../lib/cli/numbers.ts';
import { JsonClient } from '../lib/k8s/index.ts';
import { benchCluster, POD_FLAGS, stateDir } from './_cluster.ts';
import { compileShipped } from './_compiled.ts';
import { cpuSeconds, memoryOf } from './_proc.ts';

const COUNT = numberOrExit(envWholeNumber(process.env, 'BENCH_BGP_PREFIXES', 10_000, { min: 1, max: 65_000 }), 'bench bgp');
const TRIALS = numberOrExit(envWholeNumber(process.env, 'BENCH_BGP_TRIALS', 3, { min: 1 }), 'bench bgp');
const PARALLEL = 32;
/** BENCH_BGP_LIVE=0 creates the Services before the speaker starts: faster (no replanning per batch of creates), no live figure. */
const LIVE = process.env.BENCH_BGP_LIVE !== '0';
/** The longest wait for the speaker to go quiet (its status writes done) before memory is read. */
const QUIET_MAX_S = numberOrExit(envWholeNumber(process.env, 'BENCH_BGP_QUIET_S', 300, { min: 0 }), 'bench bgp');
/** Node flag sets for the restart phase (BENCH_RESTART_NODE_OPTIONS, `|` between sets); default the Pod flags. */
const RESTART_VARIANTS = (process.env.BENCH_RESTART_NODE_OPTIONS ?? POD_FLAGS.speaker.join(' ')).split('|').map((v) => v.split(/\s+/).filter(Boolean));
/** Seconds from the scrape after quiet to the settled figure (BENCH_BGP_SETTLE_S). */
const SETTLE_S = numberOrExit(envWholeNumber(process.env, 'BENCH_BGP_SETTLE_S', 30, { min: 0 }), 'bench bgp');
const RESTART_ROUNDS = numberOrExit(envWholeNumber(process.env, 'BENCH_RESTART_ROUNDS', 1, { min: 1 }), 'bench bgp');
const HOLD_FILE = process.env.BENCH_BGP_HOLD_FILE;
const PROFILE_FLAGS = [
  ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []),
  ...(process.env.BENCH_HEAP_SNAPSHOT ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${process.env.BENCH_HEAP_SNAPSHOT}`] : []),
];
const TOR_ASN = 64512;
const NODE_ASN = 64600;
const POOL = '2001:db8:b::/112';
const APP = 'bench-bgp';

interface SummaryPeer { state?: string; pfxRcd?: number }
interface Summary { ribCount?: number; peers?: Record<string, SummaryPeer> }

const fmt = (n: number, digits = 1): string => n.toFixed(digits);
const load1 = (): string => loadavg().map((x) => x.toFixed(1)).join(' ');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function summary(frr: FrrRouter): Promise<Summary> {
  return (await frr.vtyshJson<Summary | null>('show bgp ipv6 unicast summary json')) ?? {};
}

async function neighborShutdown(tor: FrrRouter, peer: string, shut: boolean): Promise<void> {
  await tor.vtysh('configure terminal', `router bgp ${TOR_ASN}`, `${shut ? '' : 'no '}neighbor ${peer} shutdown`);
}

/**
 * One table transfer: the ToR shuts the session, waits until it holds nothing from the peer,
 * enables it again and polls its summary back to back: returns the time from the poll that
 * first shows the session Established to the one that first counts all prefixes (each taken
 * halfway between that poll's answer and the one before), and the polls' median spacing.
 */
async function transfer(tor: FrrRouter, peer: string): Promise<{ ms: number; pollMs: number }> {
  await neighborShutdown(tor, peer, true);
  await waitFor(async () => ((await summary(tor)).ribCount ?? 0) === 0, { timeoutMs: 60_000, intervalMs: 100, what: 'the ToR to drop the prefixes' });
  await sleep(1_000);
  await neighborShutdown(tor, peer, false);
  const gaps: number[] = [];
  let before = performance.now();
  let established: number | undefined;
  const deadline = before + 180_000;
  for (;;) {
    const p = (await summary(tor)).peers?.[peer];
    const now = performance.now();
    const at = (before + now) / 2;
    gaps.push(now - before);
    before = now;
    if (established === undefined && p?.state === 'Established') established = at;
    if (established !== undefined && (p?.pfxRcd ?? 0) >= COUNT) return { ms: at - established, pollMs: median(gaps) };
    if (now > deadline) throw new Error(`the ToR did not count ${COUNT} prefixes from ${peer} in 180 s (last: ${JSON.stringify(p)})`);
  }
}

/** Until the process's CPU stays flat for 2 s (its status writes done), for at most QUIET_MAX_S. */
/** One scrape of the speaker's /metrics, as Prometheus makes them (its port from `ss` in the node's namespace): the text. */
async function scrape(ns: Netns, pid: number): Promise<string> {
  const { stdout } = await ns.exec('ss', ['-Hltnp']);
  const port = stdout.split('\n').find((l) => l.includes(`pid=${pid},`) && l.includes('127.0.0.1:'))?.match(/127\.0\.0\.1:(\d+)/)?.[1];
  if (!port) throw new Error(`no metrics port of the speaker (pid ${pid}) in ${ns.name}`);
  const script = `const r = await fetch('http://127.0.0.1:${port}/metrics'); process.stdout.write(await r.text())`;
  return (await ns.exec(process.execPath, ['--input-type=module', '-e', script])).stdout;
}

/**
 * Memory as it is held, not only at the moment the work stopped: RSS when quiet, then after one
 * scrape of /metrics and SETTLE_S seconds (V8's memory reducer and the glibc trim act on an idle
 * process over several seconds; a Pod is scraped every 15–60 s).
 */
async function holding(ns: Netns, pid: number): Promise<{ quiet: ReturnType<typeof memoryOf>; settled: ReturnType<typeof memoryOf>; text: string }> {
  const atQuiet = memoryOf(pid);
  const text = await scrape(ns, pid);
  await sleep(SETTLE_S * 1000);
  const settled = memoryOf(pid);
  const mb = (m: ReturnType<typeof memoryOf>) => `${fmt(m.rss)} MB (anonymous ${fmt(m.anon)}, file ${fmt(m.file)})`;
  const sample = (name: string) => Number(text.match(new RegExp(`^${name} (\\S+)$`, 'm'))?.[1] ?? NaN);
  const plans = sample('portside_speaker_plan_seconds_count');
  const planMean = sample('portside_speaker_plan_seconds_sum') / plans;
  return {
    quiet: atQuiet, settled,
    text: `RSS ${mb(atQuiet)} when quiet, ${mb(settled)} ${SETTLE_S} s after a scrape (${fmt(text.length / 1e6, 2)} MB of metrics text; ${plans} plans, ${fmt(planMean * 1000, 0)} ms mean)`,
  };
}

async function quiet(pid: number): Promise<void> {
  let last = cpuSeconds(pid);
  const quietBy = performance.now() + QUIET_MAX_S * 1000;
  for (;;) {
    await sleep(2_000);
    const now = cpuSeconds(pid);
    if (now - last < 0.05 || performance.now() > quietBy) return;
    last = now;
  }
}

function stats(ms: readonly number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  return `median ${fmt(s[Math.floor((s.length - 1) / 2)]! / 1000, 2)} s (${s.map((x) => fmt(x / 1000, 2)).join(', ')})`;
}
const median = (ms: readonly number[]): number => [...ms].sort((a, b) => a - b)[Math.floor((ms.length - 1) / 2)]!;

export async function run(): Promise<Record<string, unknown>> {
  const lab = await Lab.create({ prefix: 'benchbgp' });
  const lines = [`machine: ${cpus().length} cores (${cpus()[0]?.model.trim()}), ${fmt(totalmem() / 2 ** 30, 0)} GiB, node ${process.version}; load average at start ${load1()}`];
  let cleanup = (): void => undefined;
  let baseline: { bin: string; dir: string } | undefined;
  try {
    if (process.env.BENCH_BASELINE) {
      baseline = await compileShipped('bundled', process.env.BENCH_BASELINE);
      lines.push(`baseline: ${process.env.BENCH_BASELINE} (its compiled speaker in the restarts)`);
    }
    const subnet = `198.51.100.${128 + 16 * randomInt(0, 8)}/28`;
    const bench = await benchCluster(lab, {
      lan: { v4: subnet, v6: '2001:db8:1bb::/64' },
      router: { host: 2 },
      nodes: { count: 1, first: 3, name: () => 'node1' },
      speakerArgs: (node) => ['--metrics-addr', '127.0.0.1:0', '--log-level', 'warn', '--state-dir', stateDir(lab, node)],
      speakerExtraFlags: PROFILE_FLAGS,
    });
    cleanup = bench.cleanup;
    const { built, objects } = bench;
    lines.push(`speaker: ${bench.describe}; ${COUNT} IPv6 /128 prefixes over one IPv6 eBGP session`);
    const plane = built.plane!;
    const node = built.nodes[0]!;
    const torHost = built.router!;
    const peer = node.v6!;

    const tor = await startFrr(lab, torHost.ns, {
      asn: TOR_ASN, routerId: torHost.v4, daemons: ['zebra', 'bgpd'],
      neighbors: [{ address: peer, remoteAs: NODE_ASN, timers: { keepaliveS: 3, holdS: 9 } }],
    });
    await objects.apply('ipaddresspools', 'IPAddressPool', 'bench', { addresses: [POOL] });
    await objects.apply('bgppeers', 'BGPPeer', 'tor', { myASN: NODE_ASN, peerASN: TOR_ASN, peerAddress: torHost.v6, connectTime: '1s', holdTime: '9s' });
    await objects.apply('bgpadvertisements', 'BGPAdvertisement', 'bench', { ipAddressPools: ['bench'] });
    built.startController();
    const api = new JsonClient(plane.clusterConfig);
    await api.create('/api/v1/namespaces', { metadata: { name: APP } });
    const create = () => timesBounded(COUNT, PARALLEL, async (i) => {
      await api.create(`/api/v1/namespaces/${APP}/services`, {
        metadata: { name: `lb${i}` },
        spec: {
          type: 'LoadBalancer', ipFamilies: ['IPv6'], ipFamilyPolicy: 'SingleStack',
          allocateLoadBalancerNodePorts: false, ports: [{ port: 80, protocol: 'TCP' }],
        },
      });
      await api.create(`/apis/discovery.k8s.io/v1/namespaces/${APP}/endpointslices`, {
        metadata: { name: `lb${i}-bench`, labels: { 'kubernetes.io/service-name': `lb${i}` } },
        addressType: 'IPv6',
        ports: [{ port: 80, protocol: 'TCP' }],
        endpoints: [{ addresses: [`fd00:10:244::${(i + 1).toString(16)}`], nodeName: node.name, conditions: { ready: true } }],
      });
    });
    let t0 = performance.now();
    if (!LIVE) {
      // BENCH_BGP_LIVE=0: the Services exist before the speaker starts (a speaker Pod replaced).
      await create();
      lines.push(`${COUNT} Services + EndpointSlices created in ${fmt((performance.now() - t0) / 1000)} s before the speaker starts (load ${load1()})`);
    }
    const speaker = await built.start(node);
    await tor.waitEstablished(peer, { timeoutMs: 300_000 });
    if (LIVE) {
      await sleep(3_000);
      const idle = memoryOf(speaker.pid);
      lines.push(`speaker configured, session Established, no Services: RSS ${fmt(idle.rss)} MB, high-water ${fmt(idle.hwm)} MB`);
    }

    // Live: the Services and their EndpointSlices created while the session is up.
    const cpu0 = cpuSeconds(speaker.pid);
    t0 = performance.now();
    if (LIVE) await create();
    const tCreated = performance.now();
    if (LIVE) lines.push(`live: ${COUNT} Services + EndpointSlices created in ${fmt((tCreated - t0) / 1000)} s (load ${load1()})`);
    await waitFor(async () => ((await summary(tor)).peers?.[peer]?.pfxRcd ?? 0) >= COUNT, {
      timeoutMs: 1_800_000, intervalMs: 200, what: `FRR to count ${COUNT} prefixes`,
    });
    const tAll = performance.now();
    lines.push(LIVE
      ? `live: FRR counts all ${COUNT} ${fmt((tAll - t0) / 1000)} s after the first create, ${fmt((tAll - tCreated) / 1000)} s after the last; speaker CPU ${fmt(cpuSeconds(speaker.pid) - cpu0)} s`
      : `FRR counts all ${COUNT} ${fmt((tAll - t0) / 1000)} s after the session came up; speaker CPU ${fmt(cpuSeconds(speaker.pid))} s since its start`);
    // Let the status writes (a ServiceBGPStatus per Service) finish before memory is read.
    await quiet(speaker.pid);
    const statuses = (await api.get<{ items?: unknown[] }>(`/apis/${GROUP}/${VERSION}/namespaces/${INSTALL_NAMESPACE}/servicebgpstatuses`).catch(() => ({ items: [] }))).items?.length ?? 0;
    const holdingText = `${fmt((performance.now() - tAll) / 1000)} s after; ${statuses} ServiceBGPStatus written`;
    const h = await holding(node.ns, speaker.pid);
    const held = h.settled;
    lines.push(`speaker holding ${COUNT} (${holdingText}): ${h.text}, high-water ${fmt(held.hwm)} MB; CPU ${fmt(cpuSeconds(speaker.pid) - cpu0)} s since ${LIVE ? 'the first create' : 'Established'} (load ${load1()})`);

    if (HOLD_FILE) {
      writeFileSync(HOLD_FILE, `${speaker.pid}\n`);
      console.log(`# holding: speaker pid ${speaker.pid}; remove ${HOLD_FILE} to go on`);
      await waitFor(() => !existsSync(HOLD_FILE), { timeoutMs: 3_600_000, intervalMs: 1_000, what: `${HOLD_FILE} to be removed` });
    }

    const ours: number[] = [];
    for (let i = 0; i < TRIALS; i++) {
      const c = cpuSeconds(speaker.pid);
      const r = await transfer(tor, peer);
      ours.push(r.ms);
      lines.push(`Portside→FRR #${i + 1}: ${fmt(r.ms / 1000, 2)} s from Established to all ${COUNT} (polls ${fmt(r.pollMs, 0)} ms apart; speaker CPU in the trial ${fmt(cpuSeconds(speaker.pid) - c, 2)} s, load ${load1()})`);
    }
    const after = memoryOf(speaker.pid);
    lines.push(`speaker after the transfers: RSS ${fmt(after.rss)} MB, high-water ${fmt(after.hwm)} MB`);
    // Restarts with the Services waiting (a speaker Pod replaced), once per flag set: memory
    // once it has listed them, planned, announced and is quiet again.
    let current = speaker;
    const builds = [{ name: '', bin: undefined as string | undefined }, ...(baseline ? [{ name: 'baseline, ', bin: baseline.bin }] : [])];
    for (let round = 0; round < RESTART_ROUNDS; round++) for (const flags of RESTART_VARIANTS) for (const build of builds) {
      await current.stop({ timeoutMs: 10_000 });
      const r0 = performance.now();
      current = await built.start(node, bench.speakerWith(flags, build.bin));
      await tor.waitEstablished(peer, { timeoutMs: 300_000 });
      await quiet(current.pid);
      const quietAfter = (performance.now() - r0) / 1000;
      const cpu = cpuSeconds(current.pid);
      const m = await holding(node.ns, current.pid);
      lines.push(`restart [${build.name}${flags.join(' ') || 'no flags'}]: quiet ${fmt(quietAfter)} s after start, CPU ${fmt(cpu, 1)} s; ${m.text}, high-water ${fmt(m.settled.hwm)} MB (load ${load1()})`);
    }
    if (process.env.BENCH_HEAP_SNAPSHOT) {
      // After every figure: writing a snapshot raises the high-water mark.
      process.kill(current.pid, 'SIGUSR2');
      await sleep(20_000);
    }
    await current.stop({ timeoutMs: 10_000 });
    if (built.controller) await built.controller.stop({ timeoutMs: 10_000 });

    // FRR→FRR: bgpd on the node with the same prefixes as `network`s, configured while shut.
    await neighborShutdown(tor, peer, true);
    const prefixes = Array.from({ length: COUNT }, (_, i) => `2001:db8:b::${(i + 1).toString(16)}/128`);
    const src = await startFrr(lab, node.ns, {
      asn: NODE_ASN, routerId: node.v4, daemons: ['zebra', 'bgpd'], name: 'src',
      neighbors: [{ address: torHost.v6!, remoteAs: TOR_ASN, timers: { keepaliveS: 3, holdS: 9 } }],
    });
    await src.applyConfig([`router bgp ${NODE_ASN}`, ' no bgp network import-check', ' address-family ipv6 unicast', ...prefixes.map((p) => `  network ${p}`), ' exit-address-family', 'exit', ''].join('\n'));
    await waitFor(async () => ((await summary(src)).ribCount ?? 0) >= COUNT, { timeoutMs: 120_000, intervalMs: 200, what: 'the source FRR to hold its networks' });
    const frr: number[] = [];
    for (let i = 0; i < TRIALS; i++) {
      const r = await transfer(tor, peer);
      frr.push(r.ms);
      lines.push(`FRR→FRR #${i + 1}: ${fmt(r.ms / 1000, 2)} s from Established to all ${COUNT} (polls ${fmt(r.pollMs, 0)} ms apart; load ${load1()})`);
    }
    lines.push(
      `Portside→FRR: ${stats(ours)}; FRR→FRR: ${stats(frr)}; ratio of medians ${fmt(median(ours) / median(frr), 2)} (goal ≤ 1)`,
      `speaker holding ${COUNT}, settled: RSS ${fmt(held.rss)} MB, high-water ${fmt(Math.max(held.hwm, after.hwm))} MB (goal ≤ 110 MB); load average at the end ${load1()}`,
    );
    console.log(lines.map((l) => `  ${l}`).join('\n'));
    api.close();
    return {
      prefixes: COUNT, portsideMs: ours, frrMs: frr, ratio: Number((median(ours) / median(frr)).toFixed(2)),
      speakerRssMb: Number(fmt(held.rss)), speakerHwmMb: Number(fmt(Math.max(held.hwm, after.hwm))), ...(LIVE ? { liveSeconds: Number(fmt((tAll - t0) / 1000)) } : {}),
    };
  } catch (err) {
    console.log(lines.map((l) => `  ${l}`).join('\n'));
    throw err;
  } finally {
    await lab.destroy();
    cleanup();
    if (baseline) rmSync(baseline.dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.getuid?.() !== 0) {
    console.error('bench/bgp.ts needs root (network namespaces)');
    process.exit(1);
  }
  console.log(JSON.stringify(await run()));
}

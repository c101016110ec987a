// Benchmark (not a test): memory of the shipped `portside controller` and `portside speaker`
// processes, configured through a real kube-apiserver. Both start against one control plane
// (the speaker in the root namespace with free ports and no advertisement, so it touches no
// interface); once both are ready, RSS is sampled every second for BENCH_IDLE_S seconds
// (default 20); the last sample (with its anonymous and file-backed parts: the heap and
// malloc, and the pages of the `node` binary touched) and the high-water mark (VmHWM) are
// printed. The builds run in turn: `source`, the TypeScript as development runs it (type
// stripping); `compiled`, the bundle the image runs (hack/bundle.ts, built here into a temp
// folder; the controller from its startup snapshot, as its Deployment starts it); `tsc`, the shipped TypeScript compiled file by file (what the image ran before).
// They read the kubeconfig as JSON: a Pod in the cluster parses no YAML, so neither should
// the figure. BENCH_NODE_OPTIONS adds Node flags to both programs (e.g. `--max-semi-space-size=1`);
// BENCH_BUILDS (default `source,compiled`) picks the builds, e.g. `tsc,compiled`.
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoreV1Api } from '@kubernetes/client-node';
import { load } from 'js-yaml';
import { INSTALL_NAMESPACE, startControlPlane } from '../e2e/controlplane.ts';
import { freePort, spawnLogged, stopProcess } from '../e2e/controlplane.process.ts';
import type { ManagedProcess } from '../e2e/controlplane.process.ts';
import { waitFor } from '../e2e/wait.ts';
import { Cluster } from '../e2e/controller/testkit.ts';
import { mergePatch } from '../e2e/k8s/patch.ts';
import { envWholeNumber, numberOrExit } from '../lib/cli/numbers.ts';
import { compileShipped } from './_compiled.ts';
import { memoryOf } from './_proc.ts';

const IDLE_S = numberOrExit(envWholeNumber(process.env, 'BENCH_IDLE_S', 20, { min: 1 }), 'bench memory');
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const NODE_FLAGS = (process.env.BENCH_NODE_OPTIONS ?? '').split(/\s+/).filter(Boolean);
const BUILDS = (process.env.BENCH_BUILDS ?? 'source,compiled').split(',');

async function ready(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/readyz`)).ok;
  } catch {
    return false;
  }
}

const fmt = (n: number): string => n.toFixed(1);
const cp = await startControlPlane();
const procs: ManagedProcess[] = [];
const temps: string[] = [];
const loadBefore = loadavg().map((x) => x.toFixed(1)).join(' ');
try {
  const cluster = new Cluster(cp.kubeconfig);
  await cluster.pool(INSTALL_NAMESPACE, 'bench', { addresses: ['2001:db8:b::/112'] });
  const core = cp.kubeconfig.makeApiClient(CoreV1Api);
  await core.createNamespacedSecret({
    namespace: INSTALL_NAMESPACE,
    body: { metadata: { name: 'portside-liveness-key' }, data: { key: randomBytes(32).toString('base64') } },
  });
  await core.createNode({ body: { metadata: { name: 'bench-node', labels: { 'kubernetes.io/hostname': 'bench-node' } } } });
  await core.patchNodeStatus({
    name: 'bench-node',
    body: { status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'bench node' }] } },
  }, mergePatch());

  const kubeconfig = join(cp.dir, 'admin.kubeconfig.json');
  writeFileSync(kubeconfig, JSON.stringify(load(readFileSync(cp.kubeconfigPath, 'utf8'))));
  const lines = [
    `machine: ${cpus().length} cores (${cpus()[0]?.model.trim()}), ${fmt(totalmem() / 2 ** 30)} GiB, node ${process.version}, load average before ${loadBefore}`,
    `node flags: ${NODE_FLAGS.join(' ') || '(none)'}`,
  ];
  for (const build of BUILDS) {
    let bin = join(ROOT, 'bin/portside.ts');
    /** The controller as the image's Deployment starts it (from the startup snapshot when built). */
    let controllerStart = [bin, 'controller'];
    if (build === 'compiled' || build === 'tsc') {
      const out = await compileShipped(build === 'tsc' ? 'tsc' : 'bundled');
      temps.push(out.dir);
      bin = out.bin;
      controllerStart = out.controller;
    }
    const [controllerPort, speakerPort, livenessPort, bgpPort] = await Promise.all([
      freePort('127.0.0.1'), freePort('127.0.0.1'), freePort('127.0.0.1'), freePort('127.0.0.1'),
    ]);
    const common = ['--kubeconfig', kubeconfig, '--namespace', INSTALL_NAMESPACE, '--log-level', 'warn'];
    process.env.PORTSIDE_BGP_PORT = String(bgpPort); // the speaker's BGP listener (not 179, which a lab may hold)
    const t0 = performance.now();
    const controller = spawnLogged('portside-controller', process.execPath, [
      ...NODE_FLAGS, ...controllerStart, ...common, '--metrics-addr', `127.0.0.1:${controllerPort}`, '--leader-elect=false',
    ], join(cp.dir, `controller-${build}.log`));
    const speaker = spawnLogged('portside-speaker', process.execPath, [
      ...NODE_FLAGS, bin, 'speaker', ...common, '--metrics-addr', `127.0.0.1:${speakerPort}`,
      '--node-name', 'bench-node', '--liveness-port', String(livenessPort),
    ], join(cp.dir, `speaker-${build}.log`));
    procs.push(controller, speaker);
    const readyAt: Record<string, number> = {};
    await waitFor(async () => {
      for (const [name, port] of [['controller', controllerPort], ['speaker', speakerPort]] as const) {
        if (readyAt[name] === undefined && (await ready(port))) readyAt[name] = (performance.now() - t0) / 1000;
      }
      return Object.keys(readyAt).length === 2;
    }, { timeoutMs: 60_000, intervalMs: 50, what: `controller and speaker (${build}) ready` });

    const samples: Record<string, number[]> = { controller: [], speaker: [] };
    for (let s = 0; s < IDLE_S; s++) {
      await new Promise((r) => setTimeout(r, 1_000));
      samples.controller!.push(memoryOf(controller.pid).rss);
      samples.speaker!.push(memoryOf(speaker.pid).rss);
    }
    for (const [name, proc] of [['controller', controller], ['speaker', speaker]] as const) {
      const s = samples[name]!;
      const { rss, hwm, anon, file } = memoryOf(proc.pid);
      lines.push(`${build} ${name}: ready ${fmt(readyAt[name]!)} s after start; idle RSS ${fmt(rss)} MB (anon ${fmt(anon)}, file ${fmt(file)}; min ${fmt(Math.min(...s))}, max ${fmt(Math.max(...s))} over ${IDLE_S} s), high-water ${fmt(hwm)} MB`);
    }
    await stopProcess(controller);
    await stopProcess(speaker);
  }
  console.log(lines.map((l) => `  ${l}`).join('\n'));
} finally {
  for (const p of procs) await stopProcess(p);
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
  await cp.stop();
}

// The controller as the image's Deployment runs it: hack/bundle.ts's V8 startup snapshot
// (`node --snapshot-blob controller.blob controller …`) against a real kube-apiserver. The
// snapshot holds the modules' state as the build left it, so this checks what must not come
// from the build: the process's start time in the metrics, the event-loop and GC metrics of
// builtins Node calls "not yet fully verified" in snapshots, and a clean SIGTERM.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { bundleShipped } from '../../hack/bundle.ts';
import { controlPlaneOrSkip, sharedControlPlane } from '../controlplane.ts';
import { freePort, logTail, spawnLogged, stopProcess } from '../controlplane.process.ts';
import { waitFor } from '../wait.ts';
import { Cluster, uniqueName } from './testkit.ts';

sharedControlPlane();
let dist = '';
before(async () => {
  dist = mkdtempSync(join(tmpdir(), 'portside-snapshot-'));
  await bundleShipped(dist);
});
after(() => rmSync(dist, { recursive: true, force: true }));

test('the controller from its startup snapshot allocates, reports its own start time and metrics, and stops on SIGTERM', async (t) => {
  const cp = controlPlaneOrSkip(t);
  if (!cp) return;
  const blob = join(dist, 'controller.blob');
  const cluster = new Cluster(cp.kubeconfig);
  const install = await cluster.namespace(uniqueName('ps'));
  const app = await cluster.namespace(uniqueName('app'));
  await cluster.pool(install, 'snap', { addresses: ['198.51.100.40/30'] });
  await cluster.service(app, 'web');

  // The modules were evaluated when the blob was written: start two seconds after it, so a
  // start time taken then (prom-client takes its own when its module is evaluated) shows.
  const built = statSync(blob).mtimeMs;
  await waitFor(() => Date.now() >= built + 2_000, { timeoutMs: 5_000, intervalMs: 50, what: '2 s after the snapshot was written' });
  const port = await freePort('127.0.0.1');
  const spawnedAt = Date.now() / 1000;
  const proc = spawnLogged('portside-controller', process.execPath, [
    '--snapshot-blob', blob, 'controller', '--kubeconfig', cp.kubeconfigPath, '--namespace', install,
    '--metrics-addr', `127.0.0.1:${port}`, '--leader-elect=false', '--log-level', 'debug',
  ], join(cp.dir, 'controller-snapshot.log'));
  try {
    const ips = await cluster.waitForIPs(app, 'web', 1, 30_000).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}\n${logTail(proc.logPath)}`, { cause: err });
    });
    assert.deepEqual(ips.filter((ip) => ip.startsWith('198.51.100.4')), ips);

    const metric = (text: string, name: string): number => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
    const text = await waitFor(async () => {
      const body = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text());
      // The event-loop lag comes from perf_hooks' histogram: a value once it has sampled.
      return metric(body, 'portside_controller_nodejs_eventloop_lag_seconds') > 0 &&
        /^portside_allocator_services_allocated_total\{pool="snap"\} 1$/m.test(body) && body;
    }, { timeoutMs: 10_000, what: 'the controller\'s metrics: the event-loop lag sampled, the Service counted in its pool' });
    const startTime = metric(text, 'portside_controller_process_start_time_seconds');
    assert.ok(Math.abs(startTime - spawnedAt) <= 1, `process_start_time_seconds ${startTime}: the spawn was at ${spawnedAt.toFixed(1)}, the snapshot written at ${(built / 1000).toFixed(1)}`);
    assert.ok(/^portside_controller_nodejs_gc_duration_seconds_count\{kind="\w+"\} [1-9]/m.test(text), 'GC metrics (a PerformanceObserver) observe');
    assert.ok(metric(text, 'portside_controller_process_cpu_seconds_total') > 0, 'process CPU');

    process.kill(proc.pid, 'SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const exit = await Promise.race([proc.exited, new Promise<'no exit within 10 s'>((r) => (timer = setTimeout(() => r('no exit within 10 s'), 10_000)))]);
    clearTimeout(timer);
    assert.deepEqual(exit, { code: 0, signal: null }, logTail(proc.logPath));
  } finally {
    await stopProcess(proc);
  }
});

test('the snapshot runs the controller only: another command is refused with exit 2 and says why', () => {
  const r = spawnSync(process.execPath, ['--snapshot-blob', join(dist, 'controller.blob'), 'speaker', '--node-name', 'n'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /this snapshot runs "controller" only, not "speaker"/);
});

// `portside explain` and `portside status` against a real kube-apiserver, with the shipped
// `portside controller` as a child process: each reason the controller gives a Service no IP
// (and what to change), a Service with an IP that nothing advertises, a pool's usage, an
// invalid configuration, and `kubectl portside …` through the real kubectl and the plugin
// shim on the PATH. No speakers run here: e2e/explain/explain.netns.test.ts has the wire.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import type { PENDING_REASONS } from '../../operator/allocator/index.ts';
import { PENDING_ADVICE } from '../../explain/advice.ts';
import type { PoolReport } from '../../explain/pool.ts';
import type { ServiceReport } from '../../explain/service.ts';
import type { StatusReport } from '../../explain/status.ts';
import { controlPlaneOrSkip, sharedControlPlane } from '../controlplane.ts';
import type { ControlPlane } from '../controlplane.ts';
import { stopProcess } from '../controlplane.process.ts';
import { nodeBinaries } from '../nodes/index.ts';
import { waitFor } from '../wait.ts';
import { Cluster, startControllerProcess, uniqueName } from '../controller/testkit.ts';

sharedControlPlane();

const run = promisify(execFile);
const BIN_DIR = new URL('../../bin/', import.meta.url).pathname;
const PORTSIDE = join(BIN_DIR, 'portside.ts');

interface Ran { code: number; stdout: string; stderr: string }

async function exec(bin: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Ran> {
  try {
    const { stdout, stderr } = await run(bin, args, { env, timeout: 60_000, maxBuffer: 8 << 20 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw err;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

function portside(cp: ControlPlane, install: string, args: string[]): Promise<Ran> {
  return exec(process.execPath, [PORTSIDE, ...args, '--kubeconfig', cp.kubeconfigPath, '--portside-namespace', install]);
}

async function json<T>(cp: ControlPlane, install: string, args: string[]): Promise<{ code: number; report: T }> {
  const r = await portside(cp, install, [...args, '-o', 'json']);
  assert.equal(r.stderr, '', r.stderr);
  return { code: r.code, report: JSON.parse(r.stdout) as T };
}

/**
 * Each Service below ends with this reason; `setup` makes the objects that cause it. The two
 * reasons of an invalid configuration have their own test below.
 */
type ValidConfigReason = Exclude<(typeof PENDING_REASONS)[number], 'PoolInvalid' | 'ConfigInvalid'>;
const CASES: Record<ValidConfigReason, { name: string; annotations?: Record<string, string>; spec?: Record<string, unknown> }> = {
  NoPoolMatches: { name: 'nomatch' },
  PoolExhausted: { name: 'exhausted', annotations: { 'portside.dev/address-pool': 'tiny' } },
  RequestedIPInUse: { name: 'inuse', annotations: { 'portside.dev/loadBalancerIPs': '198.51.100.40' } },
  RequestedIPNotInAnyPool: { name: 'outside', annotations: { 'portside.dev/loadBalancerIPs': '203.0.113.99' } },
  RequestedIPNotAllowed: { name: 'notallowed', annotations: { 'portside.dev/address-pool': 'v4only', 'portside.dev/loadBalancerIPs': '198.51.100.57' } },
  SharingRefused: { name: 'share-b', annotations: { 'portside.dev/loadBalancerIPs': '198.51.100.50', 'portside.dev/allow-shared-ip': 'k' } },
  PoolNotFound: { name: 'nopool', annotations: { 'portside.dev/address-pool': 'nope' } },
  PoolNotAllowed: { name: 'restricted', annotations: { 'portside.dev/address-pool': 'restricted' } },
  FamilyUnavailable: { name: 'dual', annotations: { 'portside.dev/address-pool': 'v4only' }, spec: { ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv4', 'IPv6'] } },
  InvalidRequest: { name: 'both', annotations: { 'portside.dev/loadBalancerIPs': '198.51.100.49' }, spec: { loadBalancerIP: '198.51.100.49' } },
};

test('explain and status against the real apiserver and the real controller', async (t) => {
  const cp = controlPlaneOrSkip(t);
  if (!cp) return;
  const cluster = new Cluster(cp.kubeconfig);
  const install = await cluster.namespace(uniqueName('ps'));
  const app = await cluster.namespace(uniqueName('app'));
  // No pool auto-assigns: a Service that names none matches none.
  await cluster.pool(install, 'tiny', { addresses: ['198.51.100.40/32'], autoAssign: false });
  await cluster.pool(install, 'v4only', { addresses: ['198.51.100.48/29'], autoAssign: false });
  await cluster.pool(install, 'restricted', { addresses: ['198.51.100.56/29'], autoAssign: false, serviceAllocation: { namespaces: ['elsewhere'] } });
  const controller = startControllerProcess(cp, install, ['--leader-elect=false']);
  t.after(async () => {
    await stopProcess(controller);
    await cluster.deleteServicesIn(app);
  });
  await cluster.service(app, 'first', { annotations: { 'portside.dev/address-pool': 'tiny' } });
  await cluster.waitForIPs(app, 'first', 1, 30_000);
  await cluster.service(app, 'share-a', { annotations: { 'portside.dev/loadBalancerIPs': '198.51.100.50', 'portside.dev/allow-shared-ip': 'k' } });
  await cluster.waitForIPs(app, 'share-a');
  for (const c of Object.values(CASES)) await cluster.service(app, c.name, { annotations: c.annotations, spec: c.spec as never });

  await t.test('each pending reason: explain names it, its message, what to change; exit 1', async () => {
    for (const [reason, c] of Object.entries(CASES)) {
      await cluster.waitForCondition(app, c.name, (cond) => cond.status === 'False', 20_000);
      const { code, report }: { code: number; report: ServiceReport } = await json<ServiceReport>(cp, install, ['explain', 'service', `${app}/${c.name}`]);
      assert.equal(code, 1, c.name);
      assert.equal(report.allocation.state, 'pending', c.name);
      assert.equal(report.allocation.reason, reason, `${c.name}: ${report.allocation.message}`);
      assert.equal(report.allocation.action, PENDING_ADVICE[reason as keyof typeof PENDING_ADVICE]);
      assert.equal(report.verdict.next, report.allocation.action);
    }
    await cluster.waitForEvent(app, 'exhausted', 'AllocationFailed');
    const text = await portside(cp, install, ['explain', 'svc/exhausted', '-n', app]);
    assert.equal(text.code, 1);
    assert.match(text.stdout, /^ {2}✗ no IP: PoolExhausted: pool tiny is exhausted/m);
    assert.match(text.stdout, /^NOT HEALTHY: no IP \(PoolExhausted: [^]*— next:\s+add addresses to the pool/m);
    assert.ok(!text.stdout.includes('\x1b'), 'no colour when not a terminal');
    for (const line of text.stdout.split('\n')) assert.ok(line.length <= 100, line);
    assert.match(text.stdout, /AllocationFailed portside-controller/, 'the controller\'s latest Event');
  });

  await t.test('an IP that no advertisement selects: the verdict says so and what to create', async () => {
    await cluster.waitForEvent(app, 'first', 'IPAllocated');
    const { code, report } = await json<ServiceReport>(cp, install, ['explain', 'service', `${app}/first`]);
    assert.equal(code, 1);
    assert.deepEqual([report.allocation.state, report.allocation.ips, report.allocation.pool], ['allocated', ['198.51.100.40'], 'tiny']);
    assert.match(report.verdict.summary, /no advertisement selects it/);
    assert.match(report.verdict.next, /L2Advertisement or BGPAdvertisement for pool tiny/);
    assert.ok(report.events.some((e) => e.reason === 'IPAllocated'));
  });

  await t.test('explain pool: usage from the controller, holders, who waits', async () => {
    const { code, report } = await json<PoolReport>(cp, install, ['explain', 'pool', 'tiny']);
    assert.equal(code, 1, 'exhausted');
    assert.equal(report.countedBy, 'controller');
    assert.deepEqual(report.families.map((f) => [f.family, f.size, f.used, f.free, f.recentAllocations]), [['IPv4', '1', '1', '0', 1]]);
    assert.deepEqual(report.holders.map((h) => [h.service, h.ips]), [[`${app}/first`, ['198.51.100.40']]]);
    assert.deepEqual(report.pending.map((p) => p.service), [`${app}/exhausted`]);
    const v4only = await json<PoolReport>(cp, install, ['explain', 'pool', 'v4only']);
    assert.equal(v4only.code, 1, 'a Service waits (FamilyUnavailable names it)');
    assert.deepEqual(v4only.report.families.map((f) => [f.used, f.free]), [['1', '7']]);
  });

  await t.test('status: the controller valid, the waiting Services listed', async () => {
    const { code, report } = await json<StatusReport>(cp, install, ['status']);
    assert.equal(code, 1);
    assert.deepEqual(report.components.map((c) => [c.component, c.result]), [['controller', 'Valid']]);
    assert.deepEqual(report.pending.map((p) => p.reason).sort(), Object.keys(CASES).sort());
  });

  await t.test('kubectl portside explain svc/NAME: the real kubectl finds the plugin on the PATH', async () => {
    const kubectl = (await nodeBinaries()).kubectl;
    const env = { ...process.env, KUBECONFIG: cp.kubeconfigPath, PATH: `${BIN_DIR}:${dirname(process.execPath)}:${process.env.PATH ?? ''}` };
    const plugins = await exec(kubectl, ['plugin', 'list'], env);
    assert.match(plugins.stdout, /kubectl-portside/);
    const r = await exec(kubectl, ['portside', 'explain', 'svc/nopool', '-n', app, '--portside-namespace', install], env);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, new RegExp(`^Service ${app}/nopool `, 'm'));
    assert.match(r.stdout, /PoolNotFound/);
    const status = await exec(kubectl, ['portside', 'status', '--portside-namespace', install, '-o', 'json'], env);
    assert.equal((JSON.parse(status.stdout) as StatusReport).components[0]?.result, 'Valid');
  });
});

test('an invalid configuration: status names the component and the error, explain pool the field', async (t) => {
  const cp = controlPlaneOrSkip(t);
  if (!cp) return;
  const cluster = new Cluster(cp.kubeconfig);
  const install = await cluster.namespace(uniqueName('ps'));
  await cluster.pool(install, 'a', { addresses: ['198.51.100.0/28'] });
  const controller = startControllerProcess(cp, install, ['--leader-elect=false']);
  t.after(() => stopProcess(controller));
  await waitFor(async () => (await cluster.configurationState(install))?.result === 'Valid', { timeoutMs: 30_000, what: 'controller Valid' });
  const healthy = await json<StatusReport>(cp, install, ['status']);
  assert.equal(healthy.code, 0, JSON.stringify(healthy.report.verdict));
  // Overlapping pools: each object is valid alone (the API takes it), the configuration is not.
  await cluster.pool(install, 'b', { addresses: ['198.51.100.8/29'] });
  await waitFor(async () => (await cluster.configurationState(install))?.result === 'Invalid', { timeoutMs: 30_000, what: 'controller Invalid' });
  const { code, report } = await json<StatusReport>(cp, install, ['status']);
  assert.equal(code, 1);
  const ctl = report.components.find((c) => c.component === 'controller');
  assert.equal(ctl?.result, 'Invalid');
  assert.match(ctl?.problem ?? '', /IPAddressPool\/b spec\.addresses\[0\]: .*overlaps/);
  assert.match(report.verdict.summary, /configuration not valid for controller/);
  assert.match(report.verdict.next, /^fix IPAddressPool\/b/);
  const text = await portside(cp, install, ['status']);
  assert.match(text.stdout, /^ {2}✗ controller: Invalid: IPAddressPool\/b spec\.addresses\[0\]/m);
  const pool = await json<PoolReport>(cp, install, ['explain', 'pool', 'b']);
  assert.equal(pool.code, 1);
  assert.match(pool.report.configErrors[0] ?? '', /^spec\.addresses\[0\]: .*overlaps/);

  // A Service naming the invalid pool: PoolInvalid (it exists), not PoolNotFound.
  const app = await cluster.namespace(uniqueName('app'));
  t.after(() => cluster.deleteServicesIn(app));
  await cluster.service(app, 'wants-b', { annotations: { 'portside.dev/address-pool': 'b' } });
  await cluster.waitForCondition(app, 'wants-b', (cond) => cond.status === 'False' && cond.reason === 'PoolInvalid', 20_000);
  const svc = await json<ServiceReport>(cp, install, ['explain', 'service', `${app}/wants-b`]);
  assert.equal(svc.code, 1);
  assert.equal(svc.report.allocation.reason, 'PoolInvalid');
  assert.match(svc.report.allocation.message ?? '', /pool b exists but is invalid \(spec\.addresses\[0\]: .*overlaps/);
  assert.equal(svc.report.verdict.next, PENDING_ADVICE.PoolInvalid);
});

test('no configuration ever valid: a new Service is told ConfigInvalid, and explain says what to fix', async (t) => {
  const cp = controlPlaneOrSkip(t);
  if (!cp) return;
  const cluster = new Cluster(cp.kubeconfig);
  const install = await cluster.namespace(uniqueName('ps'));
  const app = await cluster.namespace(uniqueName('app'));
  await cluster.pool(install, 'a', { addresses: ['198.51.100.0/28'] });
  await cluster.pool(install, 'b', { addresses: ['198.51.100.8/29'] });
  const controller = startControllerProcess(cp, install, ['--leader-elect=false']);
  t.after(async () => {
    await stopProcess(controller);
    await cluster.deleteServicesIn(app);
  });
  await waitFor(async () => (await cluster.configurationState(install))?.result === 'Invalid', { timeoutMs: 30_000, what: 'controller Invalid from the start' });
  await cluster.service(app, 'early');
  await cluster.waitForCondition(app, 'early', (cond) => cond.status === 'False' && cond.reason === 'ConfigInvalid', 20_000);
  const { code, report } = await json<ServiceReport>(cp, install, ['explain', 'service', `${app}/early`]);
  assert.equal(code, 1);
  assert.equal(report.allocation.reason, 'ConfigInvalid');
  assert.match(report.allocation.message ?? '', /no valid configuration has loaded: see ConfigurationState/);
  assert.equal(report.verdict.next, PENDING_ADVICE.ConfigInvalid);
});

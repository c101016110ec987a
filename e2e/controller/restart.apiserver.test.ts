// Restart-proof allocation with `portside controller` as real child processes on a real
// kube-apiserver: a restart moves no assigned IP, and a standby replica that takes over the
// Lease (the leader SIGKILLed by PID) changes nothing and serves new Services.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { CoordinationV1Api } from '@kubernetes/client-node';
import { controlPlaneOrSkip, sharedControlPlane } from '../controlplane.ts';
import type { ControlPlane } from '../controlplane.ts';
import { stopProcess } from '../controlplane.process.ts';
import type { ManagedProcess } from '../controlplane.process.ts';
import { waitFor } from '../wait.ts';
import { allocatedCondition, Cluster, ingressIPs, startControllerProcess, uniqueName } from './testkit.ts';

sharedControlPlane();

/** Lease timings short enough for a test (defaults are 15 s / 10 s / 2 s). */
const FAST_LEASE = {
  PORTSIDE_LEASE_DURATION_MS: '3000',
  PORTSIDE_LEASE_RENEW_DEADLINE_MS: '2000',
  PORTSIDE_LEASE_RETRY_PERIOD_MS: '500',
};

// Child processes inherit our environment (spawnLogged passes it on).
Object.assign(process.env, FAST_LEASE);

/** The first log line of `proc` with this `event`, parsed. */
function logEvent(proc: ManagedProcess, event: string): Record<string, unknown> | undefined {
  let text: string;
  try {
    text = readFileSync(proc.logPath, 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    if (!line.includes(`"event":"${event}"`)) continue;
    try {
      return JSON.parse(line) as Record<string, unknown>;
    } catch {
      // a partial line: not written out yet
    }
  }
  return undefined;
}

async function waitLogEvent(proc: ManagedProcess, event: string, timeoutMs = 15_000): Promise<Record<string, unknown>> {
  return waitFor(() => {
    if (proc.exitedAlready()) throw new Error(`${proc.name} (pid ${proc.pid}) exited; log: ${proc.logPath}`);
    return logEvent(proc, event);
  }, { timeoutMs, what: `"${event}" in ${proc.logPath}` });
}

async function leaseHolder(cp: ControlPlane, namespace: string): Promise<string | undefined> {
  const lease = await cp.kubeconfig.makeApiClient(CoordinationV1Api).readNamespacedLease({ name: 'portside-controller', namespace });
  return lease.spec?.holderIdentity ?? undefined;
}

async function metricsOf(proc: ManagedProcess): Promise<string> {
  const started = await waitLogEvent(proc, 'started');
  const res = await fetch(`http://${String(started.metrics)}/metrics`);
  return res.text();
}

function assigned(map: Map<string, string[]>): Map<string, string[]> {
  return new Map([...map].filter(([, ips]) => ips.length > 0));
}

test('a restarted controller keeps every assigned IP and serves pending Services only from free IPs', async (t) => {
  const cp = controlPlaneOrSkip(t);
  if (!cp) return;
  const cluster = new Cluster(cp.kubeconfig);
  const install = await cluster.namespace(uniqueName('ps'));
  const app = await cluster.namespace(uniqueName('app'));
  const procs: ManagedProcess[] = [];
  t.after(async () => {
    for (const p of procs) await stopProcess(p);
    await cluster.deleteServicesIn(app);
  });
  await cluster.pool(install, 'ten', { addresses: ['198.51.100.150-198.51.100.159'] });
  procs.push(startControllerProcess(cp, install, ['--leader-elect=false']));
  for (let i = 0; i < 10; i++) await cluster.service(app, `s${i}`);
  await waitFor(async () => [...(await cluster.ipMap(app)).values()].every((ips) => ips.length === 1), { what: 'ten Services served' });
  // Holes, refilled out of creation order, so a naive reallocation would come out different.
  await cluster.deleteService(app, 's2');
  await cluster.deleteService(app, 's5');
  await cluster.service(app, 'late-b', { annotations: { 'portside.dev/loadBalancerIPs': '198.51.100.152' } });
  await cluster.waitForIPs(app, 'late-b');
  await cluster.service(app, 'late-a');
  await cluster.service(app, 'pending-a');
  await cluster.service(app, 'pending-b');
  await cluster.waitForIPs(app, 'late-a');
  await cluster.waitForIPs(app, 'late-b');
  await cluster.waitForCondition(app, 'pending-b', (c) => c.reason === 'PoolExhausted');
  await cluster.waitForCondition(app, 'pending-a', (c) => c.reason === 'PoolExhausted');
  const before = await cluster.ipMap(app);
  assert.equal(assigned(before).size, 10);

  const first = procs[0]!;
  await stopProcess(first);
  assert.equal((await first.exited).code, 0, 'SIGTERM is a clean exit');
  // While no controller runs: one Service goes away, one more arrives.
  await cluster.deleteService(app, 's0');
  await cluster.service(app, 'while-down');
  const freed = before.get(`${app}/s0`)![0]!;

  const second = startControllerProcess(cp, install, ['--leader-elect=false']);
  procs.push(second);
  await waitLogEvent(second, 'adopted');
  // Exactly one of the pending Services gets the freed IP (the oldest first); the rest stay pending.
  const after = await waitFor(async () => {
    const m = await cluster.ipMap(app);
    return [...m.values()].some((ips) => ips[0] === freed) ? m : undefined;
  }, { what: `the freed IP ${freed} to be reassigned` });
  for (const [key, ips] of assigned(before)) {
    if (key === `${app}/s0`) continue;
    assert.deepEqual(after.get(key), ips, `${key} kept its IP across the restart`);
  }
  assert.deepEqual(after.get(`${app}/pending-a`), [freed], 'the oldest pending Service gets the freed IP');
  const stillPending = await cluster.waitForCondition(app, 'while-down', (c) => c.status === 'False');
  assert.equal(allocatedCondition(stillPending)?.reason, 'PoolExhausted');
  assert.deepEqual(ingressIPs(await cluster.getService(app, 'pending-b')), []);
  const adopted = logEvent(second, 'adopted')!;
  assert.equal(adopted.adopted, 9);
  assert.equal(adopted.rejected, 0);
});

test('leader election: the standby takes over from a SIGKILLed leader, changes nothing and serves new Services', async (t) => {
  const cp = controlPlaneOrSkip(t);
  if (!cp) return;
  const cluster = new Cluster(cp.kubeconfig);
  const install = await cluster.namespace(uniqueName('ps'));
  const app = await cluster.namespace(uniqueName('app'));
  const procs: ManagedProcess[] = [];
  t.after(async () => {
    for (const p of procs) await stopProcess(p);
    await cluster.deleteServicesIn(app);
  });
  procs.push(startControllerProcess(cp, install));
  await waitLogEvent(procs[0]!, 'leading');
  procs.push(startControllerProcess(cp, install));
  await waitLogEvent(procs[1]!, 'new_leader');
  const [leader, standby] = procs as [ManagedProcess, ManagedProcess];
  assert.ok((await leaseHolder(cp, install))?.endsWith(`-${leader.pid}`), 'the first process holds the Lease');
  assert.match(await metricsOf(standby), /^portside_controller_leader_bool 0$/m);

  await cluster.pool(install, 'ha', { addresses: ['203.0.113.160-203.0.113.169', '2001:db8:160::/120'] });
  for (let i = 0; i < 6; i++) await cluster.service(app, `s${i}`, i % 2 ? { spec: { ipFamilyPolicy: 'RequireDualStack' } } : {});
  await cluster.deleteService(app, 's1');
  await cluster.service(app, 'refill');
  await waitFor(async () => [...(await cluster.ipMap(app)).values()].every((ips) => ips.length > 0), { what: 'all Services served by the leader' });
  const before = await cluster.ipMap(app);
  assert.equal(logEvent(standby, 'ip_allocated'), undefined, 'the standby allocates nothing');

  process.kill(leader.pid, 'SIGKILL');
  await leader.exited;
  await waitLogEvent(standby, 'leading');
  assert.ok((await leaseHolder(cp, install))?.endsWith(`-${standby.pid}`), 'the standby holds the Lease');
  await waitLogEvent(standby, 'adopted');
  await cluster.service(app, 'after-takeover');
  const ip = await cluster.waitForIPs(app, 'after-takeover');
  assert.ok(![...before.values()].flat().includes(ip[0]!), `new IP ${ip[0]} is not one already in use`);
  const after = await cluster.ipMap(app);
  after.delete(`${app}/after-takeover`);
  assert.deepEqual(after, before, 'no IP changed across the takeover');
  assert.match(await metricsOf(standby), /^portside_controller_leader_bool 1$/m);
  const adopted = logEvent(standby, 'adopted')!;
  assert.equal(adopted.rejected, 0);
});

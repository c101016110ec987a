// LeaseElector against a real kube-apiserver, with short durations (2 s / 1.5 s / 0.2 s).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CoordinationV1Api } from '@kubernetes/client-node';
import { controlPlaneOrSkip, INSTALL_NAMESPACE, sharedControlPlane } from '../controlplane.ts';
import type { ControlPlane } from '../controlplane.ts';
import { waitFor } from '../wait.ts';
import { KubeApi } from '../../lib/k8s/kube-api.ts';
import { LeaseElector } from '../../lib/k8s/leader.ts';

sharedControlPlane({ crds: false });

const FAST = { leaseDurationMs: 2_000, renewDeadlineMs: 1_500, retryPeriodMs: 200 };

function elector(cp: ControlPlane, name: string, identity: string, log: string[]): LeaseElector {
  return new LeaseElector(new KubeApi(cp.clusterConfig), {
    namespace: INSTALL_NAMESPACE, name, identity, ...FAST,
    onStartedLeading: () => log.push(`${identity} started`),
    onStoppedLeading: () => log.push(`${identity} stopped`),
  });
}

test('one of two electors leads; when it dies the other takes over after the lease expires', async (t) => {
  const cp = controlPlaneOrSkip(t);
  if (!cp) return;
  const log: string[] = [];
  const a = elector(cp, 'crash', 'a', log).start();
  await waitFor(() => a.isLeader(), { what: 'a leads' });
  const b = elector(cp, 'crash', 'b', log).start();
  t.after(() => b.release());
  // b keeps observing a renewing: it must not take over while a is alive.
  await new Promise((r) => setTimeout(r, 2_500));
  assert.equal(b.isLeader(), false, 'b stays a follower while a renews');
  assert.equal(a.isLeader(), true);

  const crashedAt = Date.now();
  await a.stop(); // no release: like a crash
  await waitFor(() => b.isLeader(), { timeoutMs: 6_000, what: 'b takes over' });
  const tookMs = Date.now() - crashedAt;
  console.log(`# lease takeover after crash: ${tookMs} ms (lease 2000 ms)`);
  assert.ok(tookMs >= 1_500, `b waited for the lease to expire (${tookMs} ms)`);

  const lease = await cp.kubeconfig.makeApiClient(CoordinationV1Api).readNamespacedLease({ name: 'crash', namespace: INSTALL_NAMESPACE });
  assert.equal(lease.spec?.holderIdentity, 'b');
  assert.equal(lease.spec?.leaseTransitions, 1);
  assert.deepEqual(log, ['a started', 'a stopped', 'b started']);
});

test('release() on shutdown hands over at once', async (t) => {
  const cp = controlPlaneOrSkip(t);
  if (!cp) return;
  const log: string[] = [];
  const a = elector(cp, 'release', 'a', log).start();
  await waitFor(() => a.isLeader(), { what: 'a leads' });
  const b = elector(cp, 'release', 'b', log).start();
  t.after(() => b.release());
  await new Promise((r) => setTimeout(r, 500));
  const releasedAt = Date.now();
  await a.release();
  await waitFor(() => b.isLeader(), { timeoutMs: 3_000, what: 'b takes over' });
  const tookMs = Date.now() - releasedAt;
  console.log(`# lease takeover after release: ${tookMs} ms`);
  assert.ok(tookMs < 1_500, `takeover after release should not wait for expiry (${tookMs} ms)`);
});

test('a leader that cannot renew (Lease deleted and recreated by another) steps down', async (t) => {
  const cp = controlPlaneOrSkip(t);
  if (!cp) return;
  const log: string[] = [];
  const a = elector(cp, 'usurped', 'a', log).start();
  t.after(() => a.stop());
  await waitFor(() => a.isLeader(), { what: 'a leads' });
  const leases = cp.kubeconfig.makeApiClient(CoordinationV1Api);
  // Someone else writes the Lease: a's next renew sees another holder with a fresh record.
  const lease = await leases.readNamespacedLease({ name: 'usurped', namespace: INSTALL_NAMESPACE });
  lease.spec = { ...lease.spec, holderIdentity: 'intruder', leaseDurationSeconds: 60 };
  await leases.replaceNamespacedLease({ name: 'usurped', namespace: INSTALL_NAMESPACE, body: lease });
  await waitFor(() => !a.isLeader(), { timeoutMs: 4_000, what: 'a steps down' });
  assert.deepEqual(log, ['a started', 'a stopped']);
});

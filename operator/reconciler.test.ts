// AllocationReconciler with a recording ServiceWriter (no API server): what it writes, which
// events it records, and that it does not decide on copies its own writes superseded.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Service } from '@kubernetes/client-node';
import { buildConfig } from '../lib/config/index.ts';
import { input, pool } from '../lib/config/testing.ts';
import { createLogger } from '../lib/log/index.ts';
import { Registry } from '../lib/metrics/index.ts';
import { FakeClock } from '../lib/time/index.ts';
import { ControllerMetrics } from './metrics.ts';
import { poolStatus } from './pool-status.ts';
import { AllocationReconciler } from './reconciler.ts';
import { ALLOCATED_CONDITION, POOL_ANNOTATION } from './service-status.ts';
import type { ServicePatches } from './service-status.ts';
import type { ServiceWriter } from './writer.ts';

class RecordingWriter implements ServiceWriter {
  readonly applied: { rv: string | undefined; patches: ServicePatches }[] = [];
  readonly events: string[] = [];
  private rv = 100;

  apply(svc: V1Service, patches: ServicePatches): Promise<{ svc: V1Service; resourceVersions: string[] } | undefined> {
    this.applied.push({ rv: svc.metadata?.resourceVersion, patches });
    const resourceVersion = String(++this.rv);
    const annotations = { ...svc.metadata?.annotations };
    for (const [k, v] of Object.entries(patches.annotations ?? {})) {
      if (v === null) delete annotations[k];
      else annotations[k] = v;
    }
    const out: V1Service = {
      ...svc,
      metadata: { ...svc.metadata, resourceVersion, annotations },
      status: { ...svc.status, ...(patches.status as V1Service['status']) },
    };
    return Promise.resolve({ svc: out, resourceVersions: [resourceVersion] });
  }

  event(_svc: V1Service, type: string, reason: string, message: string): void {
    this.events.push(`${type} ${reason}: ${message}`);
  }
}

function service(name: string, extra: Partial<V1Service['spec']> = {}, annotations: Record<string, string> = {}): V1Service {
  return {
    metadata: { name, namespace: 'default', resourceVersion: '1', generation: 1, annotations, creationTimestamp: new Date(0) },
    spec: { type: 'LoadBalancer', ports: [{ port: 80, protocol: 'TCP' }], ipFamilies: ['IPv4'], ...extra },
  };
}

function reconciler(addresses: string[]): { r: AllocationReconciler; writer: RecordingWriter } {
  const writer = new RecordingWriter();
  const r = new AllocationReconciler({
    lbClass: undefined,
    writer,
    log: createLogger({ component: 'test', level: 'silent' }),
    metrics: new ControllerMetrics(new Registry()),
    namespaceLabels: () => ({}),
    clock: new FakeClock(Date.parse('2026-01-01T00:00:00Z')),
  });
  const built = buildConfig(input({ pools: [pool('p', { addresses })] }));
  assert.ok(built.ok);
  r.configure(built.config);
  return { r, writer };
}

test('an allocation is one write (status and annotation together) and one IPAllocated event', async () => {
  const { r, writer } = reconciler(['198.51.100.0/30']);
  const out = await r.reconcile('default/a', service('a'));
  assert.deepEqual(out, { freed: false, pools: ['p'] });
  assert.equal(writer.applied.length, 1);
  const { patches } = writer.applied[0]!;
  assert.deepEqual(patches.annotations, { [POOL_ANNOTATION]: 'p' });
  assert.deepEqual((patches.status as { loadBalancer: unknown }).loadBalancer, { ingress: [{ ip: '198.51.100.0', ipMode: 'VIP' }] });
  const cond = (patches.status as { conditions: { type: string; status: string }[] }).conditions[0]!;
  assert.equal(cond.type, ALLOCATED_CONDITION);
  assert.equal(cond.status, 'True');
  assert.deepEqual(writer.events, ['Normal IPAllocated: Assigned IP 198.51.100.0 from pool p']);
});

test('a copy older than our own write is not decided on again (no stale write, no repeated event)', async () => {
  const { r, writer } = reconciler(['198.51.100.0/30']);
  const stale = service('a');
  await r.reconcile('default/a', stale);
  // The watch has not delivered our write yet: the informer still holds the old copy.
  await r.reconcile('default/a', stale);
  assert.equal(writer.applied.length, 1, 'nothing more to write');
  assert.equal(writer.events.length, 1);
});

test('the watch bringing back our own write needs no reconcile; anyone else\'s change does', async () => {
  const { r, writer } = reconciler(['198.51.100.0/30']);
  const svc = service('a');
  assert.equal(r.ownEcho('default/a', svc), false, 'nothing written yet');
  await r.reconcile('default/a', svc);
  const echo = { ...svc, metadata: { ...svc.metadata, resourceVersion: '101' } };
  assert.equal(r.ownEcho('default/a', echo), true, 'the version our write produced');
  // Caught up: our copy is forgotten, so a later change by someone else is decided on.
  const edited = { ...svc, metadata: { ...svc.metadata, resourceVersion: '205' } };
  assert.equal(r.ownEcho('default/a', edited), false);
  await r.reconcile('default/a', edited);
  assert.equal(writer.applied.length, 2, 'the edited copy (no IP shown) is written again');
  assert.equal(writer.applied[1]!.rv, '205');
});

test('a pending Service gets one Warning per change of reason, not one per reconcile', async () => {
  const { r, writer } = reconciler(['198.51.100.0/32']);
  await r.reconcile('default/a', service('a'));
  const b = service('b');
  await r.reconcile('default/b', b);
  await r.reconcile('default/b', b);
  assert.deepEqual(r.pendingKeys(), ['default/b']);
  assert.equal(writer.events.filter((e) => e.startsWith('Warning AllocationFailed')).length, 1);
  // Deleting a frees its IP; b is served on its next reconcile.
  assert.deepEqual(await r.reconcile('default/a', undefined), { freed: true, pools: ['p'] });
  await r.reconcile('default/b', b);
  assert.deepEqual(r.pendingKeys(), []);
  assert.match(writer.events.at(-1)!, /IPAllocated: Assigned IP 198\.51\.100\.0/);
});

test('both spec.loadBalancerIP and the annotation: InvalidRequest, Warning event, no IP', async () => {
  const { r, writer } = reconciler(['198.51.100.0/30']);
  const svc = service('both', { loadBalancerIP: '198.51.100.1' }, { 'portside.dev/loadBalancerIPs': '198.51.100.1' });
  await r.reconcile('default/both', svc);
  const status = writer.applied[0]!.patches.status as { conditions: { reason: string }[]; loadBalancer: { ingress: unknown[] } };
  assert.equal(status.conditions[0]!.reason, 'InvalidRequest');
  assert.deepEqual(status.loadBalancer.ingress, []);
  assert.match(writer.events[0]!, /^Warning AllocationFailed: spec\.loadBalancerIP/);
});

test('a Service of another class is left alone; one we wrote to is cleared when it changes class', async () => {
  const { r, writer } = reconciler(['198.51.100.0/30']);
  await r.reconcile('default/x', service('x', { loadBalancerClass: 'example.com/other' }));
  assert.equal(writer.applied.length, 0);
  await r.reconcile('default/y', service('y'));
  const served = writer.applied.length;
  const moved: V1Service = {
    ...service('y', { loadBalancerClass: 'example.com/other' }, { [POOL_ANNOTATION]: 'p' }),
    metadata: { ...service('y').metadata, resourceVersion: '500', annotations: { [POOL_ANNOTATION]: 'p' } },
    status: { loadBalancer: { ingress: [{ ip: '198.51.100.0' }] } },
  };
  assert.deepEqual(await r.reconcile('default/y', moved), { freed: true, pools: ['p'] });
  assert.equal(writer.applied.length, served + 1);
  assert.deepEqual(writer.applied.at(-1)!.patches.annotations, { [POOL_ANNOTATION]: null });
});

test('pool status saturates the int64 fields and keeps the exact IPv6 count as a string', () => {
  const s = poolStatus({ assignedIPv4: 1n, availableIPv4: 9n, assignedIPv6: 3n, availableIPv6: 2n ** 64n - 3n });
  assert.deepEqual(s, {
    assignedIPv4: 1, availableIPv4: 9, assignedIPv6: 3, availableIPv6: Number.MAX_SAFE_INTEGER,
    availableIPv6Exact: '18446744073709551613',
  });
});

function bare(): { r: AllocationReconciler; writer: RecordingWriter } {
  const writer = new RecordingWriter();
  const r = new AllocationReconciler({
    lbClass: undefined, writer, log: createLogger({ component: 'test', level: 'silent' }),
    metrics: new ControllerMetrics(new Registry()), namespaceLabels: () => ({}),
    clock: new FakeClock(Date.parse('2026-01-01T00:00:00Z')), configState: 'portside-system/controller',
  });
  return { r, writer };
}

type Shown = { conditions: { reason: string; message: string }[]; loadBalancer: { ingress: unknown[] } };

test('no valid configuration yet: a new Service is told ConfigInvalid, one showing an IP is left for adoption', async () => {
  const { r, writer } = bare();
  r.rejected(new Map());
  await r.reconcile('default/a', service('a'));
  const status = writer.applied[0]!.patches.status as Shown;
  assert.equal(status.conditions[0]!.reason, 'ConfigInvalid');
  assert.match(status.conditions[0]!.message, /ConfigurationState portside-system\/controller/);
  assert.match(writer.events[0]!, /^Warning AllocationFailed: no valid configuration/);
  assert.deepEqual(r.pendingKeys(), ['default/a']);
  const shown: V1Service = { ...service('b'), status: { loadBalancer: { ingress: [{ ip: '198.51.100.7' }] } } };
  await r.reconcile('default/b', shown);
  assert.equal(writer.applied.length, 1, 'a Service that shows an IP is not touched');
});

test('a pool that exists but is invalid: PoolInvalid with its errors, not PoolNotFound', async () => {
  const { r, writer } = reconciler(['198.51.100.0/30']);
  r.rejected(new Map([['broken', 'spec.addresses[0]: not a CIDR']]));
  await r.reconcile('default/a', service('a', {}, { 'portside.dev/address-pool': 'broken' }));
  await r.reconcile('default/b', service('b', {}, { 'portside.dev/address-pool': 'nowhere' }));
  const reasons = writer.applied.map((w) => (w.patches.status as Shown).conditions[0]!);
  assert.equal(reasons[0]!.reason, 'PoolInvalid');
  assert.match(reasons[0]!.message, /pool broken exists but is invalid \(spec\.addresses\[0\]: not a CIDR\)/);
  assert.equal(reasons[1]!.reason, 'PoolNotFound');
});

test('adoption: the newer holder of a duplicate IP gets a Warning naming the Service that keeps it', () => {
  const { r, writer } = reconciler(['198.51.100.0/30']);
  const older: V1Service = { ...service('older'), status: { loadBalancer: { ingress: [{ ip: '198.51.100.1' }] } } };
  const newer: V1Service = {
    ...service('newer'), metadata: { ...service('newer').metadata, creationTimestamp: new Date(1000) },
    status: { loadBalancer: { ingress: [{ ip: '198.51.100.1' }] } },
  };
  assert.deepEqual(r.adopt([newer, older]), { adopted: 1, rejected: 1 });
  assert.equal(writer.events.length, 1);
  assert.match(writer.events[0]!, /^Warning ClearAssignment: 198\.51\.100\.1 is taken back: .*default\/older/);
});

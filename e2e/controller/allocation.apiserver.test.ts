// Each allocation rule through a real kube-apiserver, with the Controller running in this
// process. Every test has its own install namespace (its own pools and ConfigurationState)
// and its own Service namespaces, and deletes its Services when done.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { controlPlaneOrSkip, sharedControlPlane } from '../controlplane.ts';
import { mergePatch } from '../k8s/patch.ts';
import { waitFor } from '../wait.ts';
import {
  allocatedCondition, Cluster, ingressIPs, POOL_ANNOTATION, startController, uniqueName,
} from './testkit.ts';

sharedControlPlane();

interface Env {
  cluster: Cluster;
  /** The controller's install namespace: pools go here. */
  install: string;
  /** A namespace for the test's Services. */
  app: string;
}

/** Namespaces, a fresh Controller watching `install`, and cleanup; undefined when skipped. */
async function setup(t: TestContext, opts: { lbClass?: string; extraNamespaces?: string[] } = {}): Promise<Env | undefined> {
  const cp = controlPlaneOrSkip(t);
  if (!cp) return undefined;
  const cluster = new Cluster(cp.kubeconfig);
  const install = await cluster.namespace(uniqueName('ps'));
  const app = await cluster.namespace(uniqueName('app'));
  const ctrl = await startController(cp.clusterConfig, install, { lbClass: opts.lbClass });
  t.after(async () => {
    await ctrl.stop();
    await cluster.deleteServicesIn(app, ...(opts.extraNamespaces ?? []));
  });
  return { cluster, install, app };
}

test('a LoadBalancer Service gets an IP, the pool annotation, a True condition and an event', async (t) => {
  const env = await setup(t);
  if (!env) return;
  const { cluster, install, app } = env;
  await cluster.pool(install, 'web', { addresses: ['198.51.100.10-198.51.100.19'] });
  await cluster.service(app, 'web');
  assert.deepEqual(await cluster.waitForIPs(app, 'web'), ['198.51.100.10']);
  const svc = await cluster.waitForCondition(app, 'web', (c) => c.status === 'True');
  assert.equal(svc.metadata?.annotations?.[POOL_ANNOTATION], 'web');
  const cond = allocatedCondition(svc)!;
  assert.equal(cond.reason, 'Allocated');
  assert.match(cond.message, /198\.51\.100\.10 from pool web/);
  assert.equal(svc.status?.loadBalancer?.ingress?.[0]?.ipMode, 'VIP');
  const event = await cluster.waitForEvent(app, 'web', 'IPAllocated');
  assert.equal(event.type, 'Normal');
  const status = await waitFor(async () => {
    const s = await cluster.poolStatus(install, 'web');
    return s?.assignedIPv4 === 1 ? s : undefined;
  }, { what: 'pool status to count the Service' });
  assert.equal(status.availableIPv4, 9);
  assert.equal(status.assignedIPv6, 0);
  const state = await waitFor(() => cluster.configurationState(install), { what: 'ConfigurationState controller' });
  assert.equal(state.result, 'Valid');
});

test('requested IPs: the portside.dev and metallb.io annotations and spec.loadBalancerIP; both set is refused', async (t) => {
  const env = await setup(t);
  if (!env) return;
  const { cluster, install, app } = env;
  await cluster.pool(install, 'req', { addresses: ['198.51.100.0/28', '2001:db8:1::/120'] });
  await cluster.service(app, 'ann', { annotations: { 'portside.dev/loadBalancerIPs': '198.51.100.7' } });
  await cluster.service(app, 'alias', { annotations: { 'metallb.io/loadBalancerIPs': '198.51.100.8' } });
  await cluster.service(app, 'spec', { spec: { loadBalancerIP: '198.51.100.9' } });
  await cluster.service(app, 'dual', {
    annotations: { 'portside.dev/loadBalancerIPs': '198.51.100.11,2001:db8:1::11' },
    spec: { ipFamilyPolicy: 'RequireDualStack' },
  });
  await cluster.service(app, 'both', {
    annotations: { 'portside.dev/loadBalancerIPs': '198.51.100.12' },
    spec: { loadBalancerIP: '198.51.100.12' },
  });
  assert.deepEqual(await cluster.waitForIPs(app, 'ann'), ['198.51.100.7']);
  assert.deepEqual(await cluster.waitForIPs(app, 'alias'), ['198.51.100.8']);
  assert.deepEqual(await cluster.waitForIPs(app, 'spec'), ['198.51.100.9']);
  assert.deepEqual(await cluster.waitForIPs(app, 'dual', 2), ['198.51.100.11', '2001:db8:1::11']);
  const both = await cluster.waitForCondition(app, 'both', (c) => c.status === 'False');
  assert.equal(allocatedCondition(both)?.reason, 'InvalidRequest');
  assert.match(allocatedCondition(both)!.message, /both set/);
  assert.deepEqual(ingressIPs(both), []);
  const warning = await cluster.waitForEvent(app, 'both', 'AllocationFailed');
  assert.equal(warning.type, 'Warning');
  assert.match(warning.message ?? '', /spec\.loadBalancerIP/);
  // A requested IP taken by another Service (no sharing key) is refused, naming the holder.
  await cluster.service(app, 'taken', { annotations: { 'portside.dev/loadBalancerIPs': '198.51.100.7' } });
  const taken = await cluster.waitForCondition(app, 'taken', (c) => c.status === 'False');
  assert.match(allocatedCondition(taken)!.message, new RegExp(`${app}/ann`));
});

test('the address-pool annotation picks a pool, even one with autoAssign off', async (t) => {
  const env = await setup(t);
  if (!env) return;
  const { cluster, install, app } = env;
  await cluster.pool(install, 'general', { addresses: ['198.51.100.0/28'] });
  await cluster.pool(install, 'special', { addresses: ['203.0.113.0/28'], autoAssign: false });
  await cluster.service(app, 'plain');
  await cluster.service(app, 'picky', { annotations: { 'portside.dev/address-pool': 'special' } });
  await cluster.service(app, 'alias', { annotations: { 'metallb.io/address-pool': 'special' } });
  await cluster.service(app, 'missing', { annotations: { 'portside.dev/address-pool': 'nope' } });
  assert.deepEqual(await cluster.waitForIPs(app, 'plain'), ['198.51.100.0']);
  assert.deepEqual(await cluster.waitForIPs(app, 'picky'), ['203.0.113.0']);
  assert.deepEqual(await cluster.waitForIPs(app, 'alias'), ['203.0.113.1']);
  const missing = await cluster.waitForCondition(app, 'missing', (c) => c.status === 'False');
  assert.equal(allocatedCondition(missing)?.reason, 'PoolNotFound');
  assert.equal((await cluster.getService(app, 'picky')).metadata?.annotations?.[POOL_ANNOTATION], 'special');
});

test('serviceAllocation: namespaces and selectors limit a pool, priority orders pools, ties go by name', async (t) => {
  const other = uniqueName('other');
  const env = await setup(t, { extraNamespaces: [other] });
  if (!env) return;
  const { cluster, install, app } = env;
  await cluster.namespace(other, { tier: 'gold' });
  await cluster.pool(install, 'open', { addresses: ['198.51.100.200-198.51.100.209'] });
  await cluster.pool(install, 'second', { addresses: ['198.51.100.20-198.51.100.29'], serviceAllocation: { priority: 2, namespaces: [app] } });
  await cluster.pool(install, 'first', { addresses: ['198.51.100.10-198.51.100.19'], serviceAllocation: { priority: 1, namespaces: [app] } });
  await cluster.pool(install, 'b-gold', { addresses: ['203.0.113.20-203.0.113.29'], serviceAllocation: { priority: 5, namespaceSelectors: [{ matchLabels: { tier: 'gold' } }] } });
  await cluster.pool(install, 'a-gold', { addresses: ['203.0.113.10-203.0.113.19'], serviceAllocation: { priority: 5, namespaceSelectors: [{ matchLabels: { tier: 'gold' } }] } });
  await cluster.pool(install, 'labelled', { addresses: ['203.0.113.100-203.0.113.109'], serviceAllocation: { priority: 1, serviceSelectors: [{ matchLabels: { expose: 'vip' } }] } });
  await cluster.service(app, 'in-app');
  await cluster.service(other, 'in-gold');
  await cluster.service(other, 'vip', { labels: { expose: 'vip' } });
  // Namespace limits hold even for an explicitly requested IP.
  await cluster.service(other, 'sneaky', { annotations: { 'portside.dev/loadBalancerIPs': '198.51.100.15' } });
  assert.deepEqual(await cluster.waitForIPs(app, 'in-app'), ['198.51.100.10']);
  assert.deepEqual(await cluster.waitForIPs(other, 'in-gold'), ['203.0.113.10']);
  assert.deepEqual(await cluster.waitForIPs(other, 'vip'), ['203.0.113.100']);
  const sneaky = await cluster.waitForCondition(other, 'sneaky', (c) => c.status === 'False');
  assert.equal(allocatedCondition(sneaky)?.reason, 'RequestedIPNotAllowed');
  // A namespace that loses its label: the gold pool no longer admits its Service, which moves.
  await cluster.labelNamespace(other, { tier: null });
  await waitFor(async () => ingressIPs(await cluster.getService(other, 'in-gold'))[0] === '198.51.100.200', { what: 'in-gold to move to pool open' });
  await cluster.service(other, 'late');
  assert.deepEqual(await cluster.waitForIPs(other, 'late'), ['198.51.100.201']);
  assert.deepEqual(ingressIPs(await cluster.getService(app, 'in-app')), ['198.51.100.10']);
});

test('avoidBuggyIPs skips .0 and .255', async (t) => {
  const env = await setup(t);
  if (!env) return;
  const { cluster, install, app } = env;
  await cluster.pool(install, 'edge', { addresses: ['198.51.100.255-198.51.100.255', '203.0.113.0/31'], avoidBuggyIPs: true });
  await cluster.service(app, 'a');
  assert.deepEqual(await cluster.waitForIPs(app, 'a'), ['203.0.113.1']);
  await cluster.service(app, 'b');
  const b = await cluster.waitForCondition(app, 'b', (c) => c.status === 'False');
  assert.equal(allocatedCondition(b)?.reason, 'PoolExhausted');
  await cluster.service(app, 'c', { annotations: { 'portside.dev/loadBalancerIPs': '203.0.113.0' } });
  const c = await cluster.waitForCondition(app, 'c', (x) => x.status === 'False');
  assert.match(allocatedCondition(c)!.message, /avoidBuggyIPs/);
});

test('sharing: same key and disjoint ports share an IP; overlapping ports are refused naming the other Service', async (t) => {
  const env = await setup(t);
  if (!env) return;
  const { cluster, install, app } = env;
  await cluster.pool(install, 'shared', { addresses: ['198.51.100.40-198.51.100.49'] });
  const key = { 'portside.dev/allow-shared-ip': 'team-a' };
  await cluster.service(app, 'http', { annotations: key, spec: { ports: [{ port: 80, protocol: 'TCP' }] } });
  assert.deepEqual(await cluster.waitForIPs(app, 'http'), ['198.51.100.40']);
  await cluster.service(app, 'dns', { annotations: { 'metallb.io/allow-shared-ip': 'team-a' }, spec: { ports: [{ port: 53, protocol: 'UDP' }] } });
  assert.deepEqual(await cluster.waitForIPs(app, 'dns'), ['198.51.100.40']);
  // Asking for the shared IP with overlapping ports: refused, and the message names the holder.
  await cluster.service(app, 'clash', {
    annotations: { ...key, 'portside.dev/loadBalancerIPs': '198.51.100.40' },
    spec: { ports: [{ port: 80, protocol: 'TCP' }] },
  });
  const clash = await cluster.waitForCondition(app, 'clash', (c) => c.status === 'False');
  assert.equal(allocatedCondition(clash)?.reason, 'SharingRefused');
  assert.match(allocatedCondition(clash)!.message, new RegExp(`${app}/http`));
  // Same ports without asking for the IP: the key cannot place it on .40, so it gets a fresh IP.
  await cluster.service(app, 'another-http', { annotations: key, spec: { ports: [{ port: 80, protocol: 'TCP' }] } });
  assert.deepEqual(await cluster.waitForIPs(app, 'another-http'), ['198.51.100.41']);
  // A different key never joins.
  await cluster.service(app, 'stranger', { annotations: { 'portside.dev/allow-shared-ip': 'team-b' }, spec: { ports: [{ port: 443, protocol: 'TCP' }] } });
  assert.deepEqual(await cluster.waitForIPs(app, 'stranger'), ['198.51.100.42']);
});

test('dual-stack: RequireDualStack gets both families; PreferDualStack takes the missing family when it appears', async (t) => {
  const env = await setup(t);
  if (!env) return;
  const { cluster, install, app } = env;
  await cluster.pool(install, 'v4', { addresses: ['198.51.100.60-198.51.100.69'] });
  await cluster.pool(install, 'both', { addresses: ['203.0.113.60-203.0.113.69', '2001:db8:60::/120'], autoAssign: false });
  await cluster.service(app, 'require', { annotations: { 'portside.dev/address-pool': 'both' }, spec: { ipFamilyPolicy: 'RequireDualStack' } });
  await cluster.service(app, 'v6first', { annotations: { 'portside.dev/address-pool': 'both' }, spec: { ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv6', 'IPv4'] } });
  assert.deepEqual(await cluster.waitForIPs(app, 'require', 2), ['203.0.113.60', '2001:db8:60::']);
  assert.deepEqual(await cluster.waitForIPs(app, 'v6first', 2), ['2001:db8:60::1', '203.0.113.61']);
  await cluster.service(app, 'prefer', { spec: { ipFamilyPolicy: 'PreferDualStack' } });
  assert.deepEqual(await cluster.waitForIPs(app, 'prefer'), ['198.51.100.60']);
  const strict = { spec: { ipFamilyPolicy: 'RequireDualStack' } };
  await cluster.service(app, 'strict', strict);
  const pending = await cluster.waitForCondition(app, 'strict', (c) => c.status === 'False');
  assert.equal(allocatedCondition(pending)?.reason, 'FamilyUnavailable');
  // The v4 pool grows an IPv6 range: PreferDualStack picks it up (keeping its IPv4), the pending one is served.
  await cluster.pool(install, 'v4', { addresses: ['198.51.100.60-198.51.100.69', '2001:db8:61::/120'] });
  assert.deepEqual(await cluster.waitForIPs(app, 'prefer', 2), ['198.51.100.60', '2001:db8:61::']);
  assert.deepEqual(await cluster.waitForIPs(app, 'strict', 2), ['198.51.100.61', '2001:db8:61::1']);
});

test('loadBalancerClass: a Service of another class is left alone; with --lb-class only that class is served', async (t) => {
  const env = await setup(t);
  if (!env) return;
  const { cluster, install, app } = env;
  await cluster.pool(install, 'cls', { addresses: ['198.51.100.80-198.51.100.89'] });
  await cluster.service(app, 'foreign', { spec: { loadBalancerClass: 'example.com/other' } });
  await cluster.service(app, 'ours');
  assert.deepEqual(await cluster.waitForIPs(app, 'ours'), ['198.51.100.80']);
  const foreign = await cluster.getService(app, 'foreign');
  assert.deepEqual(ingressIPs(foreign), []);
  assert.equal(allocatedCondition(foreign), undefined);
  assert.equal(foreign.metadata?.annotations?.[POOL_ANNOTATION], undefined);

  // A second controller for class portside.dev/lb, in its own install namespace.
  const cp = controlPlaneOrSkip(t)!;
  const install2 = await cluster.namespace(uniqueName('ps'));
  await cluster.pool(install2, 'classy', { addresses: ['203.0.113.80-203.0.113.89'] });
  const classy = await startController(cp.clusterConfig, install2, { lbClass: 'portside.dev/lb' });
  t.after(() => classy.stop());
  await cluster.service(app, 'classy', { spec: { loadBalancerClass: 'portside.dev/lb' } });
  assert.deepEqual(await cluster.waitForIPs(app, 'classy'), ['203.0.113.80']);
  assert.deepEqual(ingressIPs(await cluster.getService(app, 'foreign')), []);
});

test('exhausted pool: PoolExhausted; deleting a Service frees its IP for the pending one', async (t) => {
  const env = await setup(t);
  if (!env) return;
  const { cluster, install, app } = env;
  await cluster.pool(install, 'tiny', { addresses: ['198.51.100.90-198.51.100.91'] });
  await cluster.service(app, 'one');
  assert.deepEqual(await cluster.waitForIPs(app, 'one'), ['198.51.100.90']);
  await cluster.service(app, 'two');
  assert.deepEqual(await cluster.waitForIPs(app, 'two'), ['198.51.100.91']);
  await cluster.service(app, 'three');
  const three = await cluster.waitForCondition(app, 'three', (c) => c.status === 'False');
  assert.equal(allocatedCondition(three)?.reason, 'PoolExhausted');
  assert.match(allocatedCondition(three)!.message, /tiny/);
  await cluster.waitForEvent(app, 'three', 'AllocationFailed');
  await cluster.deleteService(app, 'one');
  assert.deepEqual(await cluster.waitForIPs(app, 'three'), ['198.51.100.90']);
  const served = await cluster.waitForCondition(app, 'three', (c) => c.status === 'True');
  assert.equal(served.metadata?.annotations?.[POOL_ANNOTATION], 'tiny');
  assert.deepEqual(ingressIPs(await cluster.getService(app, 'two')), ['198.51.100.91']);
});

test('pool shrink reassigns only the Services whose IPs left the pool', async (t) => {
  const env = await setup(t);
  if (!env) return;
  const { cluster, install, app } = env;
  await cluster.pool(install, 'shrink', { addresses: ['198.51.100.100-198.51.100.103'] });
  for (const name of ['s0', 's1', 's2', 's3']) {
    await cluster.service(app, name);
    await cluster.waitForIPs(app, name);
  }
  const before = await cluster.ipMap(app);
  assert.deepEqual([...before.values()].flat().sort(), ['198.51.100.100', '198.51.100.101', '198.51.100.102', '198.51.100.103']);
  await cluster.pool(install, 'shrink', { addresses: ['198.51.100.100-198.51.100.101', '198.51.100.110-198.51.100.111'] });
  const after = await waitFor(async () => {
    const m = await cluster.ipMap(app);
    return [...m.values()].every((ips) => ips.length === 1 && !/\.10[23]$/.test(ips[0]!)) ? m : undefined;
  }, { what: 'the Services on removed IPs to move' });
  for (const [key, ips] of before) {
    if (ips[0] === '198.51.100.100' || ips[0] === '198.51.100.101') assert.deepEqual(after.get(key), ips, `${key} must not move`);
    else assert.match(after.get(key)![0]!, /^198\.51\.100\.11[01]$/);
  }
});

test('an invalid new configuration is reported and the last valid one keeps serving', async (t) => {
  const env = await setup(t);
  if (!env) return;
  const { cluster, install, app } = env;
  await cluster.pool(install, 'good', { addresses: ['198.51.100.120-198.51.100.129'] });
  await cluster.service(app, 'before');
  assert.deepEqual(await cluster.waitForIPs(app, 'before'), ['198.51.100.120']);
  await cluster.pool(install, 'overlap', { addresses: ['198.51.100.125-198.51.100.135'] });
  const state = await waitFor(async () => {
    const s = await cluster.configurationState(install);
    return s?.result === 'Invalid' ? s : undefined;
  }, { what: 'ConfigurationState Invalid' });
  assert.match(String(state.errorSummary), /overlap/i);
  assert.match(String(state.errorSummary), /IPAddressPool\/(good|overlap)/);
  // Still served from the last valid configuration ("good" only).
  await cluster.service(app, 'during');
  assert.deepEqual(await cluster.waitForIPs(app, 'during'), ['198.51.100.121']);
  assert.deepEqual(ingressIPs(await cluster.getService(app, 'before')), ['198.51.100.120']);
  await cluster.deletePool(install, 'overlap');
  await waitFor(async () => (await cluster.configurationState(install))?.result === 'Valid', { what: 'ConfigurationState Valid again' });
  assert.deepEqual([...(await cluster.ipMap(app)).values()], [['198.51.100.120'], ['198.51.100.121']]);
});

test('IPAddressPool status counts assigned and available addresses, exactly for a /64', async (t) => {
  const env = await setup(t);
  if (!env) return;
  const { cluster, install, app } = env;
  await cluster.pool(install, 'big', { addresses: ['198.51.100.0/24', '2001:db8:64::/64'] });
  for (const name of ['a', 'b', 'c']) await cluster.service(app, name, { spec: { ipFamilyPolicy: 'RequireDualStack' } });
  for (const name of ['a', 'b', 'c']) await cluster.waitForIPs(app, name, 2);
  const status = await waitFor(async () => {
    const s = await cluster.poolStatus(install, 'big');
    return s?.assignedIPv6 === 3 && s.assignedIPv4 === 3 ? s : undefined;
  }, { what: 'pool status with 3 + 3 assigned' });
  assert.equal(status.availableIPv4, 253);
  assert.equal(status.availableIPv6Exact, (2n ** 64n - 3n).toString());
  assert.equal(status.availableIPv6, Number.MAX_SAFE_INTEGER);
  await cluster.deleteService(app, 'a');
  await waitFor(async () => (await cluster.poolStatus(install, 'big'))?.availableIPv6Exact === (2n ** 64n - 2n).toString(),
    { what: 'pool status after a delete' });
});

test('a malformed annotation gets a Warning event and a condition; other Services are unaffected', async (t) => {
  const env = await setup(t);
  if (!env) return;
  const { cluster, install, app } = env;
  await cluster.pool(install, 'm', { addresses: ['198.51.100.140-198.51.100.149'] });
  await cluster.service(app, 'bad', { annotations: { 'portside.dev/loadBalancerIPs': '198.51.100.141,not-an-ip' } });
  await cluster.service(app, 'outside', { annotations: { 'portside.dev/loadBalancerIPs': '203.0.113.250' } });
  await cluster.service(app, 'fine');
  assert.deepEqual(await cluster.waitForIPs(app, 'fine'), ['198.51.100.140']);
  const bad = await cluster.waitForCondition(app, 'bad', (c) => c.status === 'False');
  assert.equal(allocatedCondition(bad)?.reason, 'InvalidRequest');
  assert.match(allocatedCondition(bad)!.message, /not-an-ip/);
  const event = await cluster.waitForEvent(app, 'bad', 'AllocationFailed');
  assert.equal(event.type, 'Warning');
  const outside = await cluster.waitForCondition(app, 'outside', (c) => c.status === 'False');
  assert.equal(allocatedCondition(outside)?.reason, 'RequestedIPNotInAnyPool');
  // Fixing the annotation serves it.
  await cluster.patchService(app, 'bad', { metadata: { annotations: { 'portside.dev/loadBalancerIPs': '198.51.100.141' } } });
  assert.deepEqual(await cluster.waitForIPs(app, 'bad'), ['198.51.100.141']);
  assert.deepEqual(ingressIPs(await cluster.getService(app, 'fine')), ['198.51.100.140']);
});

test('the status write (a replace) keeps what others set: labels, annotations, finalizers, owners, conditions, managedFields', async (t) => {
  const env = await setup(t);
  if (!env) return;
  const { cluster, install, app } = env;
  const finalizer = 'example.com/keep';
  const owner = await cluster.core.createNamespacedConfigMap({ namespace: app, body: { metadata: { name: 'owner' } } });
  t.after(() => cluster.patchService(app, 'kept', { metadata: { finalizers: null } }).catch(() => {}));
  await cluster.service(app, 'kept', { labels: { team: 'a' }, annotations: { 'example.com/note': 'x' } });
  await cluster.patchService(app, 'kept', {
    metadata: {
      finalizers: [finalizer],
      ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata!.uid! }],
    },
  });
  // No pool yet: the controller writes its False condition; another controller adds its own beside it.
  const pending = await cluster.waitForCondition(app, 'kept', (c) => c.status === 'False');
  await cluster.core.patchNamespacedServiceStatus({
    namespace: app, name: 'kept',
    body: { status: { conditions: [...pending.status!.conditions!, { type: 'example.com/Probe', status: 'True', reason: 'Seen', message: 'by another controller', lastTransitionTime: new Date() }] } },
  }, mergePatch());
  await cluster.patchService(app, 'kept', { metadata: { labels: { team: 'b' } } });
  // What the controller sends back whole is its cache: an older copy than the server's earns a 409 and a retry.
  await cluster.pool(install, 'keep', { addresses: ['198.51.100.150-198.51.100.159'] });
  assert.deepEqual(await cluster.waitForIPs(app, 'kept'), ['198.51.100.150']);
  const svc = await cluster.waitForCondition(app, 'kept', (c) => c.status === 'True');
  assert.deepEqual(svc.metadata?.labels, { team: 'b' });
  assert.equal(svc.metadata?.annotations?.['example.com/note'], 'x');
  assert.equal(svc.metadata?.annotations?.[POOL_ANNOTATION], 'keep');
  assert.deepEqual(svc.metadata?.finalizers, [finalizer]);
  assert.deepEqual(svc.metadata?.ownerReferences?.map((o) => o.uid), [owner.metadata!.uid]);
  const probe = svc.status?.conditions?.find((c) => c.type === 'example.com/Probe');
  assert.equal(probe?.message, 'by another controller');
  assert.deepEqual(svc.spec?.selector, { app: 'kept' });
  // The creator's fields are still its own; the controller manages the status it wrote.
  const managers = svc.metadata?.managedFields?.map((m) => `${m.manager}/${m.subresource ?? ''}`) ?? [];
  assert.ok(managers.includes('portside-controller/status'), managers.join(', '));
  assert.ok(managers.some((m) => m.endsWith('/') && !m.startsWith('portside')), managers.join(', '));
  await cluster.patchService(app, 'kept', { metadata: { finalizers: null } });
});

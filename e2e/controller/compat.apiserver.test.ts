// Issue #14 through a real kube-apiserver: MetalLB's tolerances (names that match nothing
// are warnings on ConfigurationState), and a pending Service always says why.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { GROUP, VERSION } from '../../crds/index.ts';
import { controlPlaneOrSkip, sharedControlPlane } from '../controlplane.ts';
import { waitFor } from '../wait.ts';
import { allocatedCondition, Cluster, startController, uniqueName } from './testkit.ts';
import type { InProcessController } from './testkit.ts';

sharedControlPlane();

interface Env { cluster: Cluster; install: string; app: string; start: () => Promise<InProcessController> }

async function setup(t: TestContext): Promise<Env | undefined> {
  const cp = controlPlaneOrSkip(t);
  if (!cp) return undefined;
  const cluster = new Cluster(cp.kubeconfig);
  const install = await cluster.namespace(uniqueName('ps'));
  const app = await cluster.namespace(uniqueName('app'));
  const started: InProcessController[] = [];
  t.after(async () => {
    for (const c of started) await c.stop();
    await cluster.deleteServicesIn(app);
  });
  const start = async () => {
    const c = await startController(cp.clusterConfig, install);
    started.push(c);
    return c;
  };
  return { cluster, install, app, start };
}

async function create(cluster: Cluster, namespace: string, plural: string, kind: string, name: string, spec: Record<string, unknown>): Promise<void> {
  await cluster.custom.createNamespacedCustomObject({
    group: GROUP, version: VERSION, plural, namespace,
    body: { apiVersion: `${GROUP}/${VERSION}`, kind, metadata: { name, namespace }, spec },
  });
}

async function metric(c: InProcessController, name: string): Promise<number> {
  const m = (await c.registry.getMetricsAsJSON()).find((x) => x.name === name);
  return Number((m?.values[0] as { value?: number } | undefined)?.value ?? NaN);
}

test('an advertisement naming a missing pool (and MetalLB-style names like PoolA) loads, with a warning on ConfigurationState', async (t) => {
  const env = await setup(t);
  if (!env) return;
  const { cluster, install, app } = env;
  await cluster.pool(install, 'web', { addresses: ['198.51.100.20-198.51.100.29'] });
  await create(cluster, install, 'l2advertisements', 'L2Advertisement', 'l2', { ipAddressPools: ['first-pool'] });
  await create(cluster, install, 'bgpadvertisements', 'BGPAdvertisement', 'bgp', { ipAddressPools: ['PoolA'], peers: ['PeerA'] });
  const c = await env.start();
  await cluster.service(app, 'web');
  assert.deepEqual(await cluster.waitForIPs(app, 'web'), ['198.51.100.20']);
  const state = await waitFor(async () => {
    const s = await cluster.configurationState(install);
    return (s?.conditions as { type: string }[] | undefined)?.some((x) => x.type === 'ConfigurationWarnings') ? s : undefined;
  }, { what: 'a ConfigurationWarnings condition' });
  assert.equal(state.result, 'Valid');
  const warned = (state.conditions as { type: string; message: string }[]).find((x) => x.type === 'ConfigurationWarnings')!;
  assert.match(warned.message, /L2Advertisement\/l2 spec\.ipAddressPools\[0\]: IPAddressPool "first-pool" not found/);
  assert.match(warned.message, /BGPAdvertisement\/bgp spec\.peers\[0\]: BGPPeer "PeerA" not found/);
  assert.equal(await metric(c, 'portside_k8s_client_config_stale_bool'), 0);
  assert.ok(await metric(c, 'portside_k8s_client_updates_total') > 0, 'reconciles are counted');
});

test('no valid configuration ever: a new Service is pending with ConfigInvalid, stale is 1; it is served once the config is fixed', async (t) => {
  const env = await setup(t);
  if (!env) return;
  const { cluster, install, app } = env;
  // Valid for the API (a CIDR), invalid for the config model: two pools overlap.
  await cluster.pool(install, 'a', { addresses: ['198.51.100.32/28'] });
  await cluster.pool(install, 'b', { addresses: ['198.51.100.40/29'] });
  const c = await env.start();
  await cluster.service(app, 'web');
  const svc = await cluster.waitForCondition(app, 'web', (x) => x.reason === 'ConfigInvalid');
  assert.match(allocatedCondition(svc)!.message, new RegExp(`ConfigurationState ${install}/controller`));
  const event = await cluster.waitForEvent(app, 'web', 'AllocationFailed');
  assert.equal(event.type, 'Warning');
  assert.equal(await metric(c, 'portside_k8s_client_config_stale_bool'), 1);
  assert.equal(await metric(c, 'portside_k8s_client_config_loaded_bool'), 0);
  await cluster.deletePool(install, 'b');
  assert.deepEqual(await cluster.waitForIPs(app, 'web'), ['198.51.100.32']);
  await waitFor(async () => (await metric(c, 'portside_k8s_client_config_stale_bool')) === 0 || undefined, { what: 'stale back to 0' });
});

test('a Service asking for a pool that exists but is invalid: PoolInvalid, naming the fault', async (t) => {
  const env = await setup(t);
  if (!env) return;
  const { cluster, install, app } = env;
  await cluster.pool(install, 'good', { addresses: ['198.51.100.48/28'] });
  await env.start();
  await cluster.service(app, 'first');
  await cluster.waitForIPs(app, 'first');
  // Overlaps "good" and comes later by name: the new pool is the one reported invalid, the last valid configuration keeps serving.
  await cluster.pool(install, 'later', { addresses: ['198.51.100.50/32'] });
  await cluster.service(app, 'wants-later', { annotations: { 'portside.dev/address-pool': 'later' } });
  await cluster.service(app, 'wants-none', { annotations: { 'portside.dev/address-pool': 'nowhere' } });
  const later = await cluster.waitForCondition(app, 'wants-later', (x) => x.reason === 'PoolInvalid');
  assert.match(allocatedCondition(later)!.message, /pool later exists but is invalid/);
  await cluster.waitForCondition(app, 'wants-none', (x) => x.reason === 'PoolNotFound');
});

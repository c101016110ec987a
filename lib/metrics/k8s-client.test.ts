import assert from 'node:assert/strict';
import { test } from 'node:test';
import { K8sClientStats } from './k8s-client.ts';
import { Registry } from './registry.ts';

async function values(registry: Registry): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const m of await registry.getMetricsAsJSON()) out[m.name] = Number((m.values[0] as { value?: number } | undefined)?.value ?? NaN);
  return out;
}

test('k8s_client metrics move as MetalLB\'s: every reconcile counts, a failed one also as an error, and is rethrown', async () => {
  const registry = new Registry();
  const stats = new K8sClientStats(registry);
  assert.equal(await stats.counted(() => Promise.resolve(7)), 7);
  const boom = new Error('apiserver said 500');
  await assert.rejects(stats.counted(() => Promise.reject(boom)), (err) => err === boom);
  const v = await values(registry);
  assert.equal(v.portside_k8s_client_updates_total, 2);
  assert.equal(v.portside_k8s_client_update_errors_total, 1);
});

test('config loaded/stale: stale whenever the latest configuration is invalid, with an older one serving or none', async () => {
  const registry = new Registry();
  const stats = new K8sClientStats(registry);
  const read = async () => {
    const v = await values(registry);
    return [v.portside_k8s_client_config_loaded_bool, v.portside_k8s_client_config_stale_bool];
  };
  stats.config(false, true); // never valid
  assert.deepEqual(await read(), [0, 1]);
  stats.config(true, false);
  assert.deepEqual(await read(), [1, 0]);
  stats.config(true, true); // an older one serves
  assert.deepEqual(await read(), [1, 1]);
});

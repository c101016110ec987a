import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from '../../lib/metrics/index.ts';
import { SpeakerStats } from './metrics.ts';

test('the speaker exports MetalLB\'s k8s_client metrics under the controller\'s names, and they move', async () => {
  const registry = new Registry();
  const stats = new SpeakerStats(registry);
  const read = async () => Object.fromEntries((await registry.getMetricsAsJSON())
    .filter((m) => m.name.startsWith('portside_k8s_client_'))
    .map((m) => [m.name.slice('portside_k8s_client_'.length), Number((m.values[0] as { value?: number } | undefined)?.value)]));
  stats.config(false, true); // the first plan found no valid configuration
  await stats.counted(() => Promise.resolve());
  await assert.rejects(stats.counted(() => Promise.reject(new Error('status write refused'))));
  assert.deepEqual(await read(), { config_loaded_bool: 0, config_stale_bool: 1, updates_total: 2, update_errors_total: 1 });
  stats.config(true, false);
  assert.deepEqual(await read(), { config_loaded_bool: 1, config_stale_bool: 0, updates_total: 2, update_errors_total: 1 });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from '../lib/metrics/index.ts';
import { ControllerMetrics } from './metrics.ts';

test('allocator metrics per pool: addresses by family, Services allocated (MetalLB\'s services_allocated_total), gone with the pool', async () => {
  const registry = new Registry();
  const metrics = new ControllerMetrics(registry);
  metrics.poolStats('web', { assignedIPv4: 2n, availableIPv4: 14n, assignedIPv6: 1n, availableIPv6: 255n }, 2);
  const text = await registry.metrics();
  assert.match(text, /portside_allocator_services_allocated_total\{pool="web"\} 2/);
  assert.match(text, /portside_allocator_addresses_total\{pool="web",family="ipv4"\} 16/);
  assert.match(text, /portside_allocator_addresses_in_use_total\{pool="web",family="ipv6"\} 1/);
  metrics.poolStats('web', { assignedIPv4: 1n, availableIPv4: 15n, assignedIPv6: 0n, availableIPv6: 256n }, 1);
  assert.match(await registry.metrics(), /portside_allocator_services_allocated_total\{pool="web"\} 1/);
  metrics.poolRemoved('web');
  assert.doesNotMatch(await registry.metrics(), /pool="web"/);
});

test('the controller exports the k8s_client metrics under the names the speaker uses too', async () => {
  const registry = new Registry();
  const metrics = new ControllerMetrics(registry);
  metrics.update(true);
  metrics.config(false, true);
  const names = (await registry.getMetricsAsJSON()).map((m) => m.name);
  for (const n of ['updates_total', 'update_errors_total', 'config_loaded_bool', 'config_stale_bool']) assert.ok(names.includes(`portside_k8s_client_${n}`), n);
});

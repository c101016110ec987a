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

test('announced: one series per announced IP as the last plan set them, in the text format', async () => {
  const registry = new Registry();
  const stats = new SpeakerStats(registry);
  const series = async () => (await registry.metrics()).split('\n').filter((l) => l.startsWith('portside_speaker_announced{'));
  stats.setAnnounced('n1', [
    { service: 'ns/a', protocol: 'bgp', ip: '203.0.113.5' },
    { service: 'ns/a', protocol: 'layer2', ip: '2001:db8::5' },
    { service: 'ns/"b"', protocol: 'bgp', ip: '203.0.113.6' },
  ]);
  assert.deepEqual(await series(), [
    'portside_speaker_announced{service="ns/a",protocol="bgp",node="n1",ip="203.0.113.5"} 1',
    'portside_speaker_announced{service="ns/a",protocol="layer2",node="n1",ip="2001:db8::5"} 1',
    'portside_speaker_announced{service="ns/\\"b\\"",protocol="bgp",node="n1",ip="203.0.113.6"} 1',
  ]);
  assert.match(await registry.metrics(), /# TYPE portside_speaker_announced gauge/);
  stats.setAnnounced('n1', [{ service: 'ns/a', protocol: 'bgp', ip: '203.0.113.5' }]);
  assert.deepEqual(await series(), ['portside_speaker_announced{service="ns/a",protocol="bgp",node="n1",ip="203.0.113.5"} 1']);
  // A function is listed at each scrape: what it returns then, not when it was set.
  let entries = [{ service: 'ns/a', protocol: 'bgp' as const, ip: '203.0.113.5' }];
  stats.setAnnounced('n1', () => entries);
  entries = [{ service: 'ns/c', protocol: 'bgp' as const, ip: '203.0.113.7' }];
  assert.deepEqual(await series(), ['portside_speaker_announced{service="ns/c",protocol="bgp",node="n1",ip="203.0.113.7"} 1']);
  stats.setAnnounced('n1', []);
  assert.deepEqual(await series(), []);
  const json = (await registry.getMetricsAsJSON()).find((m) => m.name === 'portside_speaker_announced');
  assert.deepEqual(json?.values, []);
});

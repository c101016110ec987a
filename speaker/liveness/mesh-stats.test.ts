import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from '../../lib/metrics/index.ts';
import { MeshStats } from './mesh-stats.ts';

test('MeshStats counts dropped heartbeats by reason on its own registry', async () => {
  const registry = new Registry();
  const stats = new MeshStats(registry);
  stats.dropped('bad-signature');
  stats.dropped('bad-signature');
  stats.dropped('unknown-node');
  const text = await registry.metrics();
  assert.match(text, /^portside_speaker_liveness_heartbeats_dropped_total\{reason="bad-signature"\} 2$/m);
  assert.match(text, /^portside_speaker_liveness_heartbeats_dropped_total\{reason="unknown-node"\} 1$/m);
  assert.doesNotMatch(text, /reason="wrong-source"/);
});

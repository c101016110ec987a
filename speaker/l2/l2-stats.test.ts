import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from '../../lib/metrics/index.ts';
import { L2Stats } from './l2-stats.ts';

test('L2Stats counts on its own registry, by ip and by reason', async () => {
  const registry = new Registry();
  const stats = new L2Stats(registry);
  stats.gratuitousSent('198.51.100.100');
  stats.gratuitousSent('198.51.100.100');
  stats.responseSent('2001:db8:300::100');
  stats.ignored('not-owned');
  const text = await registry.metrics();
  assert.match(text, /portside_speaker_l2_gratuitous_sent_total\{ip="198.51.100.100"\} 2/);
  assert.match(text, /portside_speaker_l2_responses_sent_total\{ip="2001:db8:300::100"\} 1/);
  assert.match(text, /portside_speaker_l2_frames_ignored_total\{reason="not-owned"\} 1/);
  new L2Stats(new Registry()); // a second facade on a fresh registry does not clash
});

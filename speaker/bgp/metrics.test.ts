import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from '../../lib/metrics/index.ts';
import { BgpStats } from './metrics.ts';

test('socket errors are counted per peer and errno code, and leave with the peer', async () => {
  const registry = new Registry();
  const stats = new BgpStats(registry);
  stats.socketError('tor-a', 'ECONNRESET');
  stats.socketError('tor-a', 'ECONNRESET');
  stats.socketError('tor-a', undefined);
  stats.socketError('tor-b', 'ETIMEDOUT');
  const text = await registry.metrics();
  assert.match(text, /portside_bgp_socket_errors_total\{peer="tor-a",code="ECONNRESET"\} 2/);
  assert.match(text, /portside_bgp_socket_errors_total\{peer="tor-a",code="unknown"\} 1/);
  assert.match(text, /portside_bgp_socket_errors_total\{peer="tor-b",code="ETIMEDOUT"\} 1/);
  stats.removePeer('tor-a');
  const after = await registry.metrics();
  assert.doesNotMatch(after, /peer="tor-a"/);
  assert.match(after, /portside_bgp_socket_errors_total\{peer="tor-b",code="ETIMEDOUT"\} 1/);
});

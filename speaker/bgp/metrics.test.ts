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

test('announced prefixes count only while the session is Established: 0 while down, all of them pending', async () => {
  const registry = new Registry();
  const stats = new BgpStats(registry);
  const read = async () => {
    const text = await registry.metrics();
    const at = (name: string) => Number(new RegExp(`${name}\\{peer="tor"\\} (\\d+)`).exec(text)?.[1]);
    return [at('portside_bgp_announced_prefixes_total'), at('portside_bgp_pending_prefixes_total')];
  };
  stats.sessionUp('tor', false);
  stats.prefixes('tor', 0, 1);
  assert.deepEqual(await read(), [0, 1]);
  stats.sessionUp('tor', true);
  stats.prefixes('tor', 1, 0);
  assert.deepEqual(await read(), [1, 0]);
  // The session drops; the Adj-RIB-Out still says 1 sent (it resets on the next Established).
  stats.sessionUp('tor', false);
  assert.deepEqual(await read(), [0, 1]);
  stats.prefixes('tor', 1, 0);
  assert.deepEqual(await read(), [0, 1]);
  stats.sessionUp('tor', true);
  assert.deepEqual(await read(), [0, 1], 'Established, nothing sent yet (graceful restart may hold the table)');
  stats.prefixes('tor', 0, 1);
  assert.deepEqual(await read(), [0, 1]);
  stats.prefixes('tor', 1, 0);
  assert.deepEqual(await read(), [1, 0]);
});

test('messages are counted per peer, direction and type (route refresh as FRR names it), and leave with the peer', async () => {
  const registry = new Registry();
  const stats = new BgpStats(registry);
  stats.message('tor', 'sent', 'open');
  stats.message('tor', 'sent', 'keepalive');
  stats.message('tor', 'sent', 'keepalive');
  stats.message('tor', 'received', 'routeRefresh');
  const text = await registry.metrics();
  assert.match(text, /portside_bgp_messages_total\{peer="tor",direction="sent",type="open"\} 1/);
  assert.match(text, /portside_bgp_messages_total\{peer="tor",direction="sent",type="keepalive"\} 2/);
  assert.match(text, /portside_bgp_messages_total\{peer="tor",direction="received",type="route_refresh"\} 1/);
  stats.removePeer('tor');
  assert.doesNotMatch(await registry.metrics(), /portside_bgp_messages_total\{/);
});

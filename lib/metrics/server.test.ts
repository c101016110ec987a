import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MetricsFacade, Registry } from './registry.ts';
import { parseListenAddress, startMetricsServer } from './server.ts';

class ExampleStats extends MetricsFacade {
  private readonly sent = this.counter('portside_example_sent_total', 'Packets sent.', ['ip']);
  private readonly peers = this.gauge('portside_example_peers', 'Peers up.');
  sentPacket(ip: string): void {
    this.sent.inc({ ip });
  }
  peersUp(n: number): void {
    this.peers.set(n);
  }
}

test('parseListenAddress understands :port, host:port and [v6]:port', () => {
  assert.deepEqual(parseListenAddress(':7472'), { host: undefined, port: 7472 });
  assert.deepEqual(parseListenAddress('127.0.0.1:0'), { host: '127.0.0.1', port: 0 });
  assert.deepEqual(parseListenAddress('[::1]:7473'), { host: '::1', port: 7473 });
  assert.throws(() => parseListenAddress('7472'), /invalid listen address/);
  assert.throws(() => parseListenAddress(':99999'), /invalid listen address/);
});

test('facades register on their own registry, not the global one', async () => {
  const a = new Registry();
  const b = new Registry();
  new ExampleStats(a).sentPacket('198.51.100.7');
  new ExampleStats(b); // same names on another registry: no clash
  assert.match(await a.metrics(), /portside_example_sent_total\{ip="198.51.100.7"\} 1/);
});

test('serves /metrics, /healthz and /readyz on loopback', async () => {
  const registry = new Registry();
  const stats = new ExampleStats(registry);
  stats.peersUp(2);
  let synced = false;
  const server = await startMetricsServer({
    addr: '127.0.0.1:0',
    registries: [registry],
    liveness: { loop: () => true },
    readiness: { informers: () => synced || 'informers not synced' },
  });
  try {
    const base = `http://127.0.0.1:${server.address.port}`;
    const metrics = await fetch(`${base}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(await metrics.text(), /portside_example_peers 2/);
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    const notReady = await fetch(`${base}/readyz`);
    assert.equal(notReady.status, 503);
    assert.match(await notReady.text(), /informers: informers not synced/);
    synced = true;
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
    assert.equal((await fetch(`${base}/nope`)).status, 404);
  } finally {
    await server.close();
  }
});

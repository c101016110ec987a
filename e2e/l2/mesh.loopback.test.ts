// The UDP transport on loopback (127.0.0.x, no root): two meshes see each other alive,
// a closed one goes dead within the timeout, and forged or foreign datagrams are dropped.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { after, test } from 'node:test';
import { waitFor } from '../wait.ts';
import { encodeHeartbeat } from '../../speaker/liveness/heartbeat.ts';
import { DEFAULT_LIVENESS } from '../../speaker/liveness/liveness-fsm.ts';
import { LivenessMesh } from '../../speaker/liveness/mesh.ts';

const key = Buffer.from('loopback-test-key');
const port = 20000 + Math.floor(Math.random() * 20000);
const meshes: LivenessMesh[] = [];
after(() => meshes.forEach((m) => m.close()));

function mesh(node: string, address: string, peers: { node: string; address: string }[], k: Uint8Array = key) {
  const m = new LivenessMesh({ node, key: k, port, bindAddress: address, peers, links: () => [{ name: 'lo', mac: '00:00:00:00:00:00' }] });
  meshes.push(m);
  return m;
}

test('two meshes: alive both ways, dead within the timeout after one stops', async () => {
  const a = mesh('a', '127.0.0.21', [{ node: 'b', address: '127.0.0.22' }]);
  const b = mesh('b', '127.0.0.22', [{ node: 'a', address: '127.0.0.21' }]);
  const aliveAtA = new Promise((r) => a.once('alive', r));
  await Promise.all([a.start(), b.start()]);
  assert.equal(await aliveAtA, 'b');
  await waitFor(() => b.liveSet().has('a'), { what: 'b sees a', timeoutMs: 2000 });
  assert.deepEqual(a.peerLinks().get('b'), [{ name: 'lo', mac: '00:00:00:00:00:00' }]);

  const deadAtA = new Promise<number>((r) => a.once('dead', () => r(Date.now())));
  assert.equal(a.stats().deaths, 0, 'no death while both run');
  const stopped = Date.now();
  b.close();
  const elapsed = (await deadAtA) - stopped;
  // The deadline runs from b's last heartbeat, which left up to one interval before close — or
  // more on a loaded machine, where b's timer runs late: so no lower bound here. The timer's
  // precision is a figure of bench/l2.ts; here only a generous upper bound.
  const { timeoutMs } = DEFAULT_LIVENESS;
  assert.ok(elapsed <= timeoutMs + 2_000, `dead after ${elapsed} ms`);
  assert.equal(a.stats().deaths, 1);
  assert.deepEqual(a.liveSet(), new Set());
  assert.ok(a.stats().accepted > 0);
});

test('wrong key, unknown node, wrong source and garbage are counted and dropped', async () => {
  const c = mesh('c', '127.0.0.31', [{ node: 'd', address: '127.0.0.32' }]);
  await c.start();
  const intruder = dgram.createSocket('udp4');
  after(() => intruder.close());
  await new Promise<void>((r) => intruder.bind({ address: '127.0.0.32', port: 0 }, () => r()));
  const hb = (node: string, k: Uint8Array, seq: number) =>
    encodeHeartbeat({ node, incarnation: 'x', seq, sentAt: Date.now(), links: [] }, k);
  const send = (buf: Uint8Array) => new Promise((r) => intruder.send(buf, port, '127.0.0.31', r));
  await send(hb('d', Buffer.from('wrong'), 1));
  await send(hb('stranger', key, 2));
  await send(Buffer.from('hello'));
  await waitFor(() => Object.keys(c.stats().dropped).length >= 3, { what: 'drops counted', timeoutMs: 2000 });
  // Signed, from d's own address: accepted; the same from another address is not.
  await send(hb('d', key, 3));
  await waitFor(() => c.liveSet().has('d'), { what: 'd alive from its own address', timeoutMs: 2000 });
  const other = dgram.createSocket('udp4');
  after(() => other.close());
  await new Promise<void>((r) => other.bind({ address: '127.0.0.33', port: 0 }, () => r()));
  await new Promise((r) => other.send(hb('d', key, 4), port, '127.0.0.31', r));
  await waitFor(() => c.stats().dropped['wrong-source'] === 1, { what: 'wrong source counted', timeoutMs: 2000 });
  assert.deepEqual(c.stats().dropped, { 'bad-signature': 1, 'unknown-node': 1, truncated: 1, 'wrong-source': 1 });
});

test('our own stalled event loop is not a dead peer: heartbeats queued meanwhile count first', async () => {
  const e = mesh('e', '127.0.0.41', [{ node: 'f', address: '127.0.0.42' }]);
  await e.start();
  const { timeoutMs } = DEFAULT_LIVENESS;
  const stallMs = timeoutMs + 200;
  // f is another process (it must keep sending while our loop is stuck), every 50 ms.
  let seq = 0;
  const frames = Array.from({ length: Math.ceil((stallMs + 800) / 50) }, (_, i) =>
    encodeHeartbeat({ node: 'f', incarnation: 'f1', seq: seq++, sentAt: Date.now() + i * 50, links: [] }, key).toString('base64'),
  );
  const script = `
    const s = require('node:dgram').createSocket('udp4');
    const frames = ${JSON.stringify(frames)};
    s.bind({ address: '127.0.0.42', port: 0 }, () => {
      let i = 0;
      const t = setInterval(() => {
        s.send(Buffer.from(frames[i++], 'base64'), ${port}, '127.0.0.41');
        if (i >= frames.length) { clearInterval(t); setTimeout(() => s.close(), 20); }
      }, 50);
    });`;
  const sender = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
  after(() => sender.kill());
  await waitFor(() => e.liveSet().has('f'), { what: 'f alive', timeoutMs: 2000 });
  await new Promise((r) => setTimeout(r, 100));
  const until = Date.now() + stallMs;
  while (Date.now() < until) {
    // a busy loop: our timers and sockets wait, the kernel queues f's datagrams
  }
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(e.stats().deaths, 0, 'our own stall made f dead');
  assert.ok(e.stats().maxTimerLagMs >= timeoutMs, `lag of ${e.stats().maxTimerLagMs} ms recorded`);
  assert.ok(e.stats().deferredChecks >= 1, 'the late death check was put off one interval');
  await new Promise<unknown>((r) => sender.once('exit', r));
});

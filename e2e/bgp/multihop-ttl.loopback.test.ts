// eBGP multihop without a password: the speaker's socket factory sends TTL 255 on the plain
// connect (native addon), proven by a listener that drops segments below TTL 255 (GTSM).
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { Socket } from 'node:net';
import { test } from 'node:test';
import { md5Listen, tcpConnect } from '../../native/index.ts';
import { waitFor } from '../wait.ts';
import { createSocketFactory } from '../../speaker/bgp/sockets.ts';
import type { BgpSocket } from '../../speaker/bgp/connection.ts';

const PORT = 40000 + (process.pid % 20000);

async function gtsmServer(t: { after: (fn: () => void) => void }): Promise<Socket[]> {
  const accepted: Socket[] = [];
  const fd = md5Listen({ host: '127.0.0.1', port: PORT, peers: [], minTtl: 255 });
  const server = createServer((s) => accepted.push(s));
  await new Promise<void>((resolve) => server.listen({ fd }, resolve));
  t.after(() => {
    for (const s of accepted) s.destroy();
    server.close();
  });
  return accepted;
}

function connected(socket: BgpSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.on('connect', () => resolve());
    socket.on('error', reject);
  });
}

test('a multihop session without a password connects with TTL 255 (a GTSM listener lets it in)', async (t) => {
  const accepted = await gtsmServer(t);
  const socket = createSocketFactory({})({ host: '127.0.0.1', port: PORT, ttl: 255 });
  t.after(() => socket.destroy());
  await connected(socket);
  await waitFor(() => accepted.length === 1 || undefined, { what: 'the listener to accept the connection' });
});

test('control: a plain connect at the default TTL is dropped by the same listener', async (t) => {
  await gtsmServer(t);
  await assert.rejects(tcpConnect({ peer: '127.0.0.1', port: PORT, timeoutMs: 700 }), /ETIMEDOUT/);
});

// Runs inside a network namespace for tcp-md5.netns.test.ts: a node:net server on an
// md5Listen fd, clients from md5Connect fds, and clients that must never get through.
// Prints one JSON line per case.
import net from 'node:net';
import { once } from 'node:events';
import { md5Connect, md5Listen, setMd5Key } from '../../native/index.ts';

const [listenHost = '', goodSource = '', lateSource = '', rangeNetwork = '', rangeSource = '', plainSource = ''] =
  process.argv.slice(2);
const PORT = 1790;
const KEY = 'portside-md5-secret';
const LATE_KEY = Uint8Array.from([0x00, 0xff, 0x10, 0x20, 0x7f]);
const RANGE_KEY = 'range-key';
const FAIL_AFTER_MS = 1500;

const say = (name: string, fields: Record<string, unknown>) =>
  process.stdout.write(JSON.stringify({ case: name, ...fields }) + '\n');

async function echoOver(fd: number, payload: string): Promise<string> {
  const socket = new net.Socket({ fd, readable: true, writable: true });
  try {
    socket.write(payload);
    let got = '';
    for await (const chunk of socket.setEncoding('utf8')) {
      got += chunk as string;
      if (got.length >= payload.length) break;
    }
    return got;
  } finally {
    socket.destroy();
  }
}

async function expectNoConnection(name: string, connect: () => Promise<unknown>): Promise<void> {
  const started = Date.now();
  try {
    await connect();
    say(name, { connected: true });
  } catch (err) {
    const e = err as Error & { code?: string };
    say(name, { connected: false, code: e.code, afterMs: Date.now() - started });
  }
}

const listenFd = md5Listen({ host: listenHost, port: PORT, peers: [{ address: goodSource, key: KEY }], ttl: 255 });
const accepted: string[] = [];
const server = net.createServer((socket) => {
  accepted.push(socket.remoteAddress ?? '?');
  socket.pipe(socket);
});
server.listen({ fd: listenFd });
await once(server, 'listening');

const fd = await md5Connect({ peer: listenHost, port: PORT, key: KEY, source: goodSource, ttl: 255, timeoutMs: 5000 });
say('matching-key', { echoed: await echoOver(fd, 'OPEN matching key') });

await expectNoConnection('wrong-key', () =>
  md5Connect({ peer: listenHost, port: PORT, key: 'not-the-secret', source: goodSource, timeoutMs: FAIL_AFTER_MS }),
);

await expectNoConnection('no-key', async () => {
  const socket = net.connect({ host: listenHost, port: PORT, localAddress: goodSource });
  try {
    await Promise.race([
      once(socket, 'connect'),
      new Promise((_, reject) =>
        setTimeout(() => reject(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })), FAIL_AFTER_MS),
      ),
    ]);
  } finally {
    socket.destroy();
  }
});

// Keys added to the listening fd after node:net took it over apply to new connections.
setMd5Key(listenFd, lateSource, LATE_KEY);
const lateFd = await md5Connect({ peer: listenHost, port: PORT, key: LATE_KEY, source: lateSource, timeoutMs: 5000 });
say('key-added-later', { echoed: await echoOver(lateFd, 'OPEN late key') });

setMd5Key(listenFd, rangeNetwork, RANGE_KEY, listenHost.includes(':') ? 126 : 30);
const rangeFd = await md5Connect({ peer: listenHost, port: PORT, key: RANGE_KEY, source: rangeSource, timeoutMs: 5000 });
say('prefix-key', { echoed: await echoOver(rangeFd, 'OPEN prefix key') });

// Peers without a key configured still get in unsigned: keys are per peer.
const plain = net.connect({ host: listenHost, port: PORT, localAddress: plainSource });
await once(plain, 'connect');
plain.destroy();
say('unkeyed-peer', { connected: true });

server.close();
say('accepted', { from: accepted });

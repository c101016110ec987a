// RequestPipeline against scripted servers on 127.0.0.1: requests of one turn in one socket
// write, answers read in order (Content-Length, chunked, split anywhere), failures with the
// apiserver's message, a server that closes after an answer (what it did not read is sent
// again, once), a lost connection (what is unanswered fails), and through a proxy-url the
// JsonClient's way instead.
import assert from 'node:assert/strict';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { ApiRequestError, JsonClient } from '../../lib/k8s/json-client.ts';
import type { ClusterConfig } from '../../lib/k8s/kubeconfig.ts';
import { RequestPipeline } from '../../lib/k8s/pipeline.ts';
import type { RequestPipelineOptions } from '../../lib/k8s/pipeline.ts';

interface Request {
  head: string;
  body: string;
}

/** Reads pipelined requests off a socket (Content-Length bodies), calling `onRequest` for each in order. */
function readRequests(socket: Socket, onRequest: (r: Request, socket: Socket) => void): void {
  let buf = '';
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => {
    buf += chunk;
    for (;;) {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buf.slice(0, end);
      const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
      if (buf.length < end + 4 + length) return;
      const body = buf.slice(end + 4, end + 4 + length);
      buf = buf.slice(end + 4 + length);
      onRequest({ head, body }, socket);
    }
  });
  socket.on('error', () => undefined);
}

async function rawServer(onRequest: (r: Request, socket: Socket) => void): Promise<{ url: string; sockets: Socket[]; writes: number[]; close: () => void }> {
  const sockets: Socket[] = [];
  const writes: number[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.on('data', () => writes.push(sockets.indexOf(socket)));
    readRequests(socket, onRequest);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, sockets, writes, close: () => {
    for (const s of sockets) s.destroy();
    server.close();
  } };
}

/** A pipeline to `config`'s server, closed with its JsonClient after the test. */
function pipelineTo(t: TestContext, config: ClusterConfig, opts?: RequestPipelineOptions): RequestPipeline {
  const json = new JsonClient(config);
  const pipeline = new RequestPipeline(json, opts);
  t.after(() => {
    pipeline.close();
    json.close();
  });
  return pipeline;
}

const ok = (body = '{"kind":"Event"}'): string => `HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

test('the requests of one turn go out together, with the credentials, and resolve in order', async (t) => {
  const seen: Request[] = [];
  const server = await rawServer((r, socket) => {
    seen.push(r);
    socket.write(ok());
  });
  t.after(server.close);
  const pipeline = pipelineTo(t, { server: `${server.url}/prefix/`, token: { data: 'secret' } }, { connections: 2 });
  const sends = Array.from({ length: 10 }, (_, i) => pipeline.send('POST', `/api/v1/namespaces/n/events`, `{"i":${i},"s":"é"}`));
  await Promise.all(sends);
  assert.equal(seen.length, 10);
  assert.equal(server.sockets.length, 2, 'two connections');
  assert.ok(server.writes.length <= 4, `10 requests in ≤ 4 socket reads, not ${server.writes.length}`);
  const [line, ...headers] = seen[0]!.head.split('\r\n');
  assert.equal(line, 'POST /prefix/api/v1/namespaces/n/events HTTP/1.1');
  assert.ok(headers.includes('Authorization: Bearer secret'));
  assert.ok(headers.includes(`Host: ${new URL(server.url).host}`));
  assert.ok(headers.includes('Content-Type: application/json'));
  assert.ok(headers.includes(`Content-Length: ${Buffer.byteLength('{"i":0,"s":"é"}')}`));
  assert.deepEqual(seen.map((r) => (JSON.parse(Buffer.from(r.body, 'latin1').toString('utf8')) as { i: number }).i).sort((a, b) => a - b), [...Array(10).keys()]);
  // Later requests reuse the connections.
  await pipeline.send('POST', '/x', '{}');
  assert.equal(server.sockets.length, 2);
});

test('answers split anywhere, chunked or not, interim ones skipped; a failure carries its code and message', async (t) => {
  const status = JSON.stringify({ kind: 'Status', code: 403, message: 'events is forbidden' });
  const half = Math.floor(status.length / 2);
  const answers = [
    'HTTP/1.1 100 Continue\r\n\r\n' + ok('{"a":1}'),
    `HTTP/1.1 403 Forbidden\r\nTransfer-Encoding: chunked\r\n\r\n${half.toString(16)};x=y\r\n${status.slice(0, half)}\r\n${(status.length - half).toString(16)}\r\n${status.slice(half)}\r\n0\r\nTrailer: z\r\n\r\n`,
    'HTTP/1.1 204 No Content\r\n\r\n',
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
  ];
  let socketOf: Socket | undefined;
  let n = 0;
  const server = await rawServer((_r, socket) => {
    socketOf = socket;
    if (++n < answers.length) return;
    // All four answers at once, one byte per write: every split point is crossed.
    const all = answers.join('');
    let i = 0;
    const drip = (): void => {
      if (i >= all.length) return;
      socketOf!.write(all[i++]!, drip);
    };
    drip();
  });
  t.after(server.close);
  const pipeline = pipelineTo(t, { server: server.url }, { connections: 1 });
  const results = await Promise.allSettled([0, 1, 2, 3].map((i) => pipeline.send('POST', `/r${i}`, '{}')));
  assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
  const err = (results[1] as PromiseRejectedResult).reason as ApiRequestError;
  assert.ok(err instanceof ApiRequestError);
  assert.equal(err.code, 403);
  assert.equal(err.message, 'POST /r1: HTTP 403: events is forbidden');
});

test('a server that closes after an answer: the requests it did not read are sent again on a new connection', async (t) => {
  const bodies: string[] = [];
  let first = true;
  const server = await rawServer((r, socket) => {
    bodies.push(r.body);
    if (first) {
      first = false;
      socket.end('HTTP/1.1 201 Created\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      socket.destroySoon();
      return;
    }
    if (!socket.writableEnded) socket.write(ok());
  });
  t.after(server.close);
  const pipeline = pipelineTo(t, { server: server.url }, { connections: 1 });
  await Promise.all(['{"n":1}', '{"n":2}', '{"n":3}'].map((b) => pipeline.send('POST', '/e', b)));
  assert.equal(server.sockets.length, 2, 'a second connection');
  // The first connection read all three before closing; its server handled only the first.
  assert.deepEqual(bodies.filter((b) => b !== '{"n":1}').slice(-2), ['{"n":2}', '{"n":3}']);
});

test('a connection lost with requests unanswered fails them; the next request gets a new connection', async (t) => {
  let drop = true;
  const server = await rawServer((_r, socket) => {
    if (drop) socket.destroy();
    else socket.write(ok());
  });
  t.after(server.close);
  const pipeline = pipelineTo(t, { server: server.url }, { connections: 1 });
  const results = await Promise.allSettled([pipeline.send('POST', '/a', '{}'), pipeline.send('POST', '/b', '{}')]);
  assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
  assert.match(String((results[0] as PromiseRejectedResult).reason), /POST \/a: /);
  drop = false;
  await pipeline.send('POST', '/c', '{}');
  assert.equal(server.sockets.length, 2);
});

test('no answer within the timeout fails what waits', async (t) => {
  const server = await rawServer(() => undefined);
  t.after(server.close);
  const pipeline = pipelineTo(t, { server: server.url }, { connections: 1, timeoutMs: 200 });
  await assert.rejects(pipeline.send('POST', '/slow', '{}'), /POST \/slow: no answer for 200 ms/);
});

test('through a proxy-url the requests take the JsonClient (absolute URLs to the proxy)', async (t) => {
  const seen: string[] = [];
  const proxy = createHttpServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString())).on('end', () => {
      seen.push(`${req.method} ${req.url} ${body}`);
      res.writeHead(201, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  t.after(() => proxy.close());
  const { port } = proxy.address() as AddressInfo;
  const pipeline = pipelineTo(t, { server: 'http://198.51.100.7:8080', proxyUrl: `http://127.0.0.1:${port}` });
  await pipeline.send('POST', '/api/v1/namespaces/n/events', '{"a":1}');
  assert.deepEqual(seen, ['POST http://198.51.100.7:8080/api/v1/namespaces/n/events {"a":1}']);
});

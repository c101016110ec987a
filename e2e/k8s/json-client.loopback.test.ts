// JsonClient against a scripted HTTP server on 127.0.0.1: one keep-alive socket for many
// requests, API failures as values with their code, a 401 that makes the next request read
// the token again, watches that end when the server closes them or they go quiet, and an
// http proxy-url (absolute URLs to the proxy), and over https a read response that keeps no
// hold on its body.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ApiRequestError, JsonClient } from '../../lib/k8s/json-client.ts';
import { generatePki } from '../controlplane.certs.ts';

const dir = mkdtempSync(join(tmpdir(), 'portside-json-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; close: () => void }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => server.close() };
}

test('requests share one keep-alive socket; failures carry the HTTP code and the apiserver\'s message', async (t) => {
  const ports = new Set<number>();
  const seen: string[] = [];
  const api = await serve((req, res) => {
    ports.add(req.socket.remotePort ?? 0);
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString())).on('end', () => {
      seen.push(`${req.method} ${req.url} ${req.headers['content-type'] ?? '-'} ${body}`);
      if (req.url?.startsWith('/missing')) {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Status', code: 404, reason: 'NotFound', message: 'services "x" not found' }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true }));
    });
  });
  t.after(api.close);
  const client = new JsonClient({ server: api.url });
  t.after(() => client.close());
  for (let i = 0; i < 5; i++) assert.deepEqual(await client.get('/a', { i: String(i) }), { ok: true });
  await client.mergePatch('/b', { status: { x: 1 } }, { fieldManager: 'm' });
  await client.patch('/c', { spec: {} }, 'application/apply-patch+yaml');
  assert.equal(ports.size, 1, 'one socket');
  assert.deepEqual(seen.slice(-2), [
    'PATCH /b?fieldManager=m application/merge-patch+json {"status":{"x":1}}',
    'PATCH /c application/apply-patch+yaml {"spec":{}}',
  ]);
  await assert.rejects(client.get('/missing'), (err: unknown) => {
    assert.ok(err instanceof ApiRequestError);
    assert.equal(err.code, 404);
    assert.match(err.message, /GET \/missing: HTTP 404: services "x" not found/);
    return true;
  });
});

test('a 401 makes the next request read the token file again', async (t) => {
  const token = join(dir, 'token');
  writeFileSync(token, 'old');
  const auth: string[] = [];
  const api = await serve((req, res) => {
    auth.push(req.headers.authorization ?? '');
    if (req.headers.authorization === 'Bearer old') res.writeHead(401).end('{"message":"Unauthorized"}');
    else res.writeHead(200).end('{}');
  });
  t.after(api.close);
  const client = new JsonClient({ server: api.url, token: { file: token } });
  t.after(() => client.close());
  await assert.rejects(client.get('/x'), (err: unknown) => (err as ApiRequestError).code === 401);
  writeFileSync(token, 'new'); // the kubelet rotated the projected token
  await client.get('/x');
  assert.deepEqual(auth, ['Bearer old', 'Bearer new']);
});

test('a watch streams events line by line and ends when the server closes it or it goes quiet', async (t) => {
  const api = await serve((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    const a = JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'a' } } });
    const b = JSON.stringify({ type: 'MODIFIED', object: { metadata: { name: 'b' } } });
    res.write(`${a}\n${b.slice(0, 10)}`); // an event split across two chunks
    setTimeout(() => {
      res.write(`${b.slice(10)}\n`);
      if (req.url?.includes('close=1')) res.end();
      // otherwise: silence, the connection left open
    }, 20);
  });
  t.after(api.close);
  const client = new JsonClient({ server: api.url });
  t.after(() => client.close());
  const events: unknown[] = [];
  await client.watch('/w', (e) => events.push(e), { query: { close: '1' }, idleMs: 10_000, signal: new AbortController().signal });
  assert.deepEqual(events.map((e) => (e as { type: string }).type), ['ADDED', 'MODIFIED']);
  const began = performance.now();
  const quiet: unknown[] = [];
  await client.watch('/w', (e) => quiet.push(e), { idleMs: 300, signal: new AbortController().signal });
  assert.equal(quiet.length, 2);
  assert.ok(performance.now() - began >= 300, 'ended by the idle timer');
  const aborted = new AbortController();
  const watching = client.watch('/w', () => aborted.abort(), { idleMs: 10_000, signal: aborted.signal });
  await watching; // the abort ends it at once
});

test('through an http proxy-url, an http API server\'s requests go to the proxy with absolute URLs, on one keep-alive socket', async (t) => {
  const api = await serve((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path: req.url, host: req.headers.host }));
  });
  t.after(api.close);
  const asked: string[] = [];
  const proxySockets = new Set<number>();
  // A forward proxy: takes the absolute URL and passes the request on.
  const proxy = await serve((req, res) => {
    asked.push(`${req.method} ${req.url} host=${req.headers.host} auth=${req.headers['proxy-authorization'] ?? '-'}`);
    proxySockets.add(req.socket.remotePort ?? 0);
    const target = new URL(req.url ?? '');
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    const upstream = request(target, { method: req.method, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    req.pipe(upstream);
  });
  t.after(proxy.close);
  const proxyUrl = proxy.url.replace('http://', 'http://me:pa%3Ass@');
  const client = new JsonClient({ server: api.url, proxyUrl });
  t.after(() => client.close());
  for (let i = 0; i < 3; i++) {
    assert.deepEqual(await client.get('/api/v1/x', { i: String(i) }), { path: `/api/v1/x?i=${i}`, host: new URL(api.url).host });
  }
  const basic = `Basic ${Buffer.from('me:pa:ss').toString('base64')}`;
  assert.deepEqual(asked[0], `GET ${api.url}/api/v1/x?i=0 host=${new URL(api.url).host} auth=${basic}`);
  assert.equal(asked.length, 3);
  assert.equal(proxySockets.size, 1, 'one keep-alive socket to the proxy');
});

test('over https, a response once read keeps no hold on its body while its keep-alive connection lives', async (t) => {
  // Node's https Agent keeps the request that opened a connection (and its response) as long
  // as the connection lives: what the client's listeners hold must go once the body is read.
  const pki = await generatePki(dir, '127.0.0.1');
  const big = JSON.stringify({ items: Array.from({ length: 40_000 }, (_, i) => `item-${i}`.padEnd(100, 'x')) }); // ≈ 4 MB
  const server = createHttpsServer({ cert: readFileSync(pki.serving.cert), key: readFileSync(pki.serving.key) }, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(big);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const client = new JsonClient({ server: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, ca: { file: pki.ca.cert } });
  t.after(() => client.close());
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  const before = process.memoryUsage().arrayBuffers;
  const got = await client.get<{ items: string[] }>('/big');
  assert.equal(got.items.length, 40_000);
  // Backing stores are freed by V8's sweeper after a collection, not within it: collect and look
  // again until they are gone, for up to 5 s.
  let held = Infinity;
  for (const deadline = performance.now() + 5_000; held >= 1_000_000 && performance.now() < deadline;) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 50));
    held = process.memoryUsage().arrayBuffers - before;
  }
  assert.ok(held < 1_000_000, `${(held / 1e6).toFixed(1)} MB of the body's chunks still held`);
});

test('with idleSocketMs a kept-alive connection closes once idle that long, and the next request opens another', async (t) => {
  const closed: number[] = [];
  const ports: number[] = [];
  const api = await serve((req, res) => {
    const port = req.socket.remotePort ?? 0;
    if (!ports.includes(port)) {
      ports.push(port);
      req.socket.on('close', () => closed.push(port));
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  t.after(api.close);
  const client = new JsonClient({ server: api.url }, { idleSocketMs: 200 });
  t.after(() => client.close());
  await client.get('/a');
  await client.get('/b');
  assert.equal(ports.length, 1, 'reused while not idle');
  const deadline = performance.now() + 10_000;
  while (closed.length === 0 && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.deepEqual(closed, [ports[0]], 'closed once idle');
  await client.get('/c');
  assert.equal(ports.length, 2);
});

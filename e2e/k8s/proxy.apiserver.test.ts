// A kubeconfig's proxy-url against the real kube-apiserver: the shipped client reaches it
// through an HTTP CONNECT proxy started here (a small one on 127.0.0.1 that tunnels bytes and
// records what it was asked), TLS end to end, requests and watches alike, with the proxy's
// credentials from the URL; a proxy that refuses or is gone gives one clear error.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { load } from 'js-yaml';
import { controlPlaneOrSkip, INSTALL_NAMESPACE, sharedControlPlane } from '../controlplane.ts';
import { waitFor } from '../wait.ts';
import { KubeApi } from '../../lib/k8s/kube-api.ts';
import { checkApiReachable, loadKubeConfig } from '../../lib/k8s/kubeconfig.ts';
import { ProxyError } from '../../lib/k8s/proxy.ts';

sharedControlPlane({ crds: false });
const dir = mkdtempSync(join(tmpdir(), 'portside-proxy-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface ConnectProxy {
  url: string;
  /** `CONNECT` targets in order, with the Proxy-Authorization each carried. */
  tunnels: { target: string; auth: string | undefined }[];
  close(): Promise<void>;
}

/** A CONNECT-only proxy on 127.0.0.1; with `credentials`, other credentials get 407. */
async function startConnectProxy(credentials?: string): Promise<ConnectProxy> {
  const tunnels: ConnectProxy['tunnels'] = [];
  const sockets = new Set<Socket>();
  const server = createServer((_req, res) => res.writeHead(405).end());
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    const auth = req.headers['proxy-authorization'];
    tunnels.push({ target: req.url ?? '', auth });
    if (credentials !== undefined && auth !== `Basic ${Buffer.from(credentials).toString('base64')}`) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\n\r\n');
      return;
    }
    const { hostname, port } = new URL(`http://${req.url ?? ''}`);
    const upstream = connect(Number(port), hostname.replace(/^\[(.*)\]$/, '$1'), () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client).pipe(upstream);
    });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined).on('close', () => sockets.delete(s));
    }
    upstream.on('close', () => client.destroy());
    client.on('close', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const userinfo = credentials === undefined ? '' : `${credentials}@`;
  return {
    url: `http://${userinfo}127.0.0.1:${port}`,
    tunnels,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

/** The control plane's admin kubeconfig with `proxy-url` set on its cluster, as a file. */
function kubeconfigWithProxy(source: string, proxyUrl: string, name: string): string {
  const doc = load(readFileSync(source, 'utf8')) as { clusters: { cluster: Record<string, unknown> }[] };
  for (const c of doc.clusters) c.cluster['proxy-url'] = proxyUrl;
  const path = join(dir, `${name}.kubeconfig`);
  writeFileSync(path, JSON.stringify(doc));
  return path;
}

test('with proxy-url, requests and watches reach the apiserver through the CONNECT proxy, TLS end to end', async (t) => {
  const cp = controlPlaneOrSkip(t);
  if (!cp) return;
  const proxy = await startConnectProxy('portside:s3cret');
  t.after(() => proxy.close());
  const { config } = await loadKubeConfig({ kubeconfig: kubeconfigWithProxy(cp.kubeconfigPath, proxy.url, 'proxied'), env: {} });
  assert.equal(config.proxyUrl, proxy.url);
  const api = new KubeApi(config);
  t.after(() => api.close());

  const version = await checkApiReachable(api);
  assert.match(version.gitVersion, /^v1\.\d+\.\d+/);
  const apiserver = new URL(cp.url);
  assert.deepEqual(proxy.tunnels[0], {
    target: `${apiserver.hostname}:${apiserver.port}`,
    auth: `Basic ${Buffer.from('portside:s3cret').toString('base64')}`,
  });

  // A watch over the tunnel sees an object written over the tunnel.
  const path = `/api/v1/namespaces/${INSTALL_NAMESPACE}/configmaps`;
  const seen: string[] = [];
  const stop = new AbortController();
  const list = await api.json.get<{ metadata: { resourceVersion: string } }>(path);
  const watching = api.json.watch(path, (e) => {
    const { type, object } = e as { type: string; object: { metadata: { name: string } } };
    seen.push(`${type} ${object.metadata.name}`);
  }, { query: { resourceVersion: list.metadata.resourceVersion }, idleMs: 30_000, signal: stop.signal });
  await api.json.create(path, { metadata: { name: 'through-the-proxy' }, data: { a: 'b' } });
  await waitFor(() => seen.includes('ADDED through-the-proxy'), { what: 'the watch event through the proxy' });
  stop.abort();
  await watching;
  assert.ok(proxy.tunnels.length >= 2 && proxy.tunnels.length <= 4, `keep-alive tunnels, not one per request: ${proxy.tunnels.length}`);
  assert.ok(proxy.tunnels.every((x) => x.target === `${apiserver.hostname}:${apiserver.port}`));
});

test('a proxy that refuses the credentials, or is gone, is one clear error naming the proxy', async (t) => {
  const cp = controlPlaneOrSkip(t);
  if (!cp) return;
  const proxy = await startConnectProxy('portside:s3cret');
  const wrong = proxy.url.replace('s3cret', 'wrong');
  const refused = new KubeApi((await loadKubeConfig({ kubeconfig: kubeconfigWithProxy(cp.kubeconfigPath, wrong, 'wrong'), env: {} })).config);
  t.after(() => refused.close());
  await assert.rejects(refused.json.get('/version'), (err: unknown) => {
    assert.ok((err as Error).cause instanceof ProxyError, String(err));
    assert.match((err as Error).message, /proxy 127\.0\.0\.1:\d+ refused CONNECT [^ ]+: HTTP 407/);
    return true;
  });
  assert.equal(proxy.tunnels.length, 1);

  await proxy.close();
  const gone = new KubeApi((await loadKubeConfig({ kubeconfig: kubeconfigWithProxy(cp.kubeconfigPath, proxy.url, 'gone'), env: {} })).config);
  t.after(() => gone.close());
  await assert.rejects(checkApiReachable(gone, 2_000), /unreachable: .*proxy 127\.0\.0\.1:\d+: connect ECONNREFUSED/);
});

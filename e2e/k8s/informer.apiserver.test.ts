// InformerSupervisor against a real kube-apiserver: events arrive, and an expired
// resourceVersion (410 Gone) makes it relist instead of dying.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CoreV1Api } from '@kubernetes/client-node';
import type { V1ConfigMap } from '@kubernetes/client-node';
import { controlPlaneOrSkip, sharedControlPlane } from '../controlplane.ts';
import { waitFor } from '../wait.ts';
import { InformerSupervisor } from '../../lib/k8s/informer.ts';
import type { InformerEvent } from '../../lib/k8s/informer.ts';
import { KubeApi } from '../../lib/k8s/kube-api.ts';
import { apiListWatch } from '../../lib/k8s/listwatch.ts';
import type { ListWatch } from '../../lib/k8s/listwatch.ts';

// ConfigMaps bypass the watch cache and etcd compacts every second, so an old
// resourceVersion really expires: a watch from it gets 410 Gone, as after a long outage.
sharedControlPlane({
  crds: false,
  apiserverArgs: ['--watch-cache-sizes=configmaps#0', '--etcd-compaction-interval=1s'],
});

async function namespace(core: CoreV1Api, name: string): Promise<string> {
  await core.createNamespace({ body: { metadata: { name } } });
  return name;
}

test('create, update and delete reach the handlers and the store', async (t) => {
  const cp = controlPlaneOrSkip(t);
  if (!cp) return;
  const core = cp.kubeconfig.makeApiClient(CoreV1Api);
  const ns = await namespace(core, 'informer-events');
  await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'before' }, data: { v: '0' } } });

  const seen: string[] = [];
  const inf = new InformerSupervisor<V1ConfigMap>(apiListWatch(new KubeApi(cp.clusterConfig), `/api/v1/namespaces/${ns}/configmaps`)).on({
    add: (o) => seen.push(`add ${o.metadata?.name}`),
    update: (_o, n) => seen.push(`update ${n.metadata?.name} ${n.data?.v}`),
    delete: (o) => seen.push(`delete ${o.metadata?.name}`),
  });
  inf.start();
  t.after(() => inf.stop());
  await inf.synced;
  assert.ok(inf.get(`${ns}/before`), 'initial list is in the store');

  await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'cm' }, data: { v: '1' } } });
  await waitFor(() => inf.get(`${ns}/cm`), { what: 'cm added' });
  await core.replaceNamespacedConfigMap({ name: 'cm', namespace: ns, body: { metadata: { name: 'cm' }, data: { v: '2' } } });
  await waitFor(() => inf.get(`${ns}/cm`)?.data?.v === '2', { what: 'cm updated' });
  await core.deleteNamespacedConfigMap({ name: 'cm', namespace: ns });
  await waitFor(() => inf.get(`${ns}/cm`) === undefined, { what: 'cm deleted' });

  assert.deepEqual(seen, ['add before', 'add cm', 'update cm 2', 'delete cm']);
  assert.deepEqual(inf.list().map((o) => o.metadata?.name), ['before']);
});

test('lists come in pages; the cache holds no managedFields; a watch the server ends is closed, not failed', async (t) => {
  const cp = controlPlaneOrSkip(t);
  if (!cp) return;
  const core = cp.kubeconfig.makeApiClient(CoreV1Api);
  const ns = await namespace(core, 'informer-pages');
  for (let i = 0; i < 7; i++) await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: `cm${i}` }, data: { v: `${i}` } } });
  const lw = apiListWatch<V1ConfigMap>(new KubeApi(cp.clusterConfig), `/api/v1/namespaces/${ns}/configmaps`, { pageSize: 3, watchTimeoutSeconds: 1 });
  const listed = await lw.list();
  assert.deepEqual(listed.items.map((o) => o.metadata?.name).sort(), ['cm0', 'cm1', 'cm2', 'cm3', 'cm4', 'cm5', 'cm6']);
  assert.match(listed.resourceVersion, /^\d+$/);
  assert.ok(listed.items.every((o) => o.metadata?.managedFields === undefined), 'managedFields dropped');
  const seen: string[] = [];
  const watching = lw.watch(listed.resourceVersion, (e) => {
    seen.push(`${e.type} ${e.object.metadata?.name} ${e.object.metadata?.managedFields === undefined}`);
  }, new AbortController().signal);
  await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'late' } } });
  // The server ends a watch after timeoutSeconds (1–2 s here): closed, not failed.
  assert.deepEqual(await watching, { kind: 'closed' });
  assert.deepEqual(seen.filter((s) => !s.startsWith('BOOKMARK')), ['ADDED late true']);
});

test('a transform decides what the cache keeps, in lists and watch events (not bookmarks)', async (t) => {
  const cp = controlPlaneOrSkip(t);
  if (!cp) return;
  const core = cp.kubeconfig.makeApiClient(CoreV1Api);
  const ns = await namespace(core, 'informer-transform');
  await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'a', labels: { x: '1' } }, data: { v: 'big' } } });
  const transform = (o: V1ConfigMap): V1ConfigMap => ({ metadata: { name: o.metadata?.name, namespace: o.metadata?.namespace, resourceVersion: o.metadata?.resourceVersion } });
  const lw = apiListWatch<V1ConfigMap>(new KubeApi(cp.clusterConfig), `/api/v1/namespaces/${ns}/configmaps`, { watchTimeoutSeconds: 1, transform });
  const listed = await lw.list();
  assert.deepEqual(listed.items.map((o) => [o.metadata?.name, o.data, o.metadata?.labels]), [['a', undefined, undefined]]);
  assert.match(listed.items[0]?.metadata?.resourceVersion ?? '', /^\d+$/);
  const seen: V1ConfigMap[] = [];
  const watching = lw.watch(listed.resourceVersion, (e) => void (e.type === 'ADDED' && seen.push(e.object)), new AbortController().signal);
  await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'b', labels: { x: '2' } }, data: { v: 'big' } } });
  assert.deepEqual(await watching, { kind: 'closed' });
  assert.deepEqual(seen.map((o) => [o.metadata?.name, o.data, o.metadata?.labels]), [['b', undefined, undefined]]);
});

test('a watch from an expired resourceVersion gets 410 Gone and the informer relists', async (t) => {
  const cp = controlPlaneOrSkip(t);
  if (!cp) return;
  const core = cp.kubeconfig.makeApiClient(CoreV1Api);
  const ns = await namespace(core, 'informer-gone');
  const real = apiListWatch<V1ConfigMap>(new KubeApi(cp.clusterConfig), `/api/v1/namespaces/${ns}/configmaps`);

  // Asked to watch from resourceVersion 1 (compacted away), the apiserver answers 410 Gone.
  await waitFor(async () => (await real.watch('1', () => {}, AbortSignal.timeout(2_000))).kind === 'gone', {
    timeoutMs: 10_000, what: 'etcd compaction past resourceVersion 1',
  });
  const direct = await real.watch('1', () => {}, new AbortController().signal);
  assert.equal(direct.kind, 'gone', `expected 410 Gone, got ${JSON.stringify(direct)}`);

  let first = true;
  const expiring: ListWatch<V1ConfigMap> = {
    list: (signal) => real.list(signal),
    watch: (rv, onEvent, signal) => {
      const from = first ? '1' : rv;
      first = false;
      return real.watch(from, onEvent, signal);
    },
  };
  const events: InformerEvent[] = [];
  const inf = new InformerSupervisor(expiring, { onEvent: (e) => events.push(e) });
  inf.start();
  t.after(() => inf.stop());
  await inf.synced;
  await waitFor(() => events.filter((e) => e.event === 'listed').length >= 2, { what: 'relist after 410' });
  assert.ok(events.some((e) => e.event === 'watch_ended' && e.how === 'gone'));

  await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'after-relist' } } });
  await waitFor(() => inf.get(`${ns}/after-relist`), { what: 'event after relist' });
});

test('an informer on a collection the user cannot list keeps retrying instead of dying', async (t) => {
  const cp = controlPlaneOrSkip(t);
  if (!cp) return;
  const events: InformerEvent[] = [];
  const inf = new InformerSupervisor(apiListWatch(new KubeApi(cp.restrictedClusterConfig), '/api/v1/secrets'), {
    backoff: { baseMs: 20, maxMs: 50, jitter: 0 },
    onEvent: (e) => events.push(e),
  });
  inf.start();
  t.after(() => inf.stop());
  await waitFor(() => events.filter((e) => e.event === 'list_failed').length >= 3, { what: 'list retries' });
  assert.equal(inf.isSynced(), false);
  const failure = events.find((e) => e.event === 'list_failed');
  assert.match(String(failure && 'error' in failure ? (failure.error as Error).message : ''), /403/);
});

// StatusWriter, EventRecorder, patch content types and checkApiReachable against a real
// kube-apiserver. The custom resource is a throwaway CRD defined here, so these tests do
// not depend on Portside's own CRDs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiextensionsV1Api, CoreV1Api, CustomObjectsApi, PatchStrategy } from '@kubernetes/client-node';
import type { V1Service } from '@kubernetes/client-node';
import { controlPlaneOrSkip, INSTALL_NAMESPACE, sharedControlPlane } from '../controlplane.ts';
import type { ControlPlane } from '../controlplane.ts';
import { waitFor } from '../wait.ts';
import { statusCodeOf } from '../../lib/k8s/errors.ts';
import { EventRecorder } from '../../lib/k8s/events.ts';
import { KubeApi } from '../../lib/k8s/kube-api.ts';
import { checkApiReachable, KubeConfigError } from '../../lib/k8s/kubeconfig.ts';
import { patchOptions } from './patch.ts';
import { StatusWriter } from '../../lib/k8s/status.ts';

sharedControlPlane({ crds: false });
const ns = INSTALL_NAMESPACE;
const widget = { group: 'test.portside.dev', version: 'v1', plural: 'widgets', namespace: ns };

async function service(cp: ControlPlane, name: string): Promise<V1Service> {
  return cp.kubeconfig.makeApiClient(CoreV1Api).createNamespacedService({
    namespace: ns,
    body: { metadata: { name }, spec: { type: 'LoadBalancer', ports: [{ port: 80, protocol: 'TCP' }] } },
  });
}

async function installWidgetCrd(cp: ControlPlane): Promise<void> {
  const api = cp.kubeconfig.makeApiClient(ApiextensionsV1Api);
  await api.createCustomResourceDefinition({
    body: {
      metadata: { name: 'widgets.test.portside.dev' },
      spec: {
        group: 'test.portside.dev', scope: 'Namespaced',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
        versions: [{
          name: 'v1', served: true, storage: true, subresources: { status: {} },
          schema: { openAPIV3Schema: { type: 'object', x_kubernetes_preserve_unknown_fields: true } },
        }],
      },
    },
  });
  await waitFor(async () => {
    const crd = await api.readCustomResourceDefinition({ name: 'widgets.test.portside.dev' });
    return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
  }, { what: 'Widget CRD established' });
}

test('checkApiReachable returns the server version, and one clear error when unreachable', async (t) => {
  const cp = controlPlaneOrSkip(t);
  if (!cp) return;
  const version = await checkApiReachable(new KubeApi(cp.clusterConfig));
  assert.match(version.gitVersion, /^v1\.\d+\.\d+/);
  const dead = { server: 'https://127.0.0.1:1', insecureSkipTlsVerify: true, token: { data: 't' } };
  await assert.rejects(checkApiReachable(new KubeApi(dead), 1_000), (err: unknown) => {
    assert.ok(err instanceof KubeConfigError);
    assert.match(err.message, /Kubernetes API at https:\/\/127\.0\.0\.1:1 unreachable/);
    return true;
  });
});

test("one TLS context for every connection of a pool's credentials, requests answered over several", async (t) => {
  const cp = controlPlaneOrSkip(t);
  if (!cp) return;
  const api = new KubeApi(cp.clusterConfig);
  t.after(() => api.close());
  const conn = await api.json.pool.get();
  const context = conn.direct?.tls?.secureContext;
  assert.ok(context, 'a shared SecureContext, not ca/cert/key per connection');
  assert.equal(conn.direct?.tls?.ca, undefined);
  // Ten at once open several sockets; each verified the server and presented the client certificate with it.
  const answers = await Promise.all(Array.from({ length: 10 }, () => api.json.get<{ kind?: string }>('/api/v1/namespaces')));
  for (const a of answers) assert.equal(a.kind, 'NamespaceList');
  assert.equal((await api.json.pool.get()).direct?.tls?.secureContext, context);
});

test('StatusWriter merge-patches Service status through the status subresource', async (t) => {
  const cp = controlPlaneOrSkip(t);
  if (!cp) return;
  await service(cp, 'status-patch');
  const writer = new StatusWriter(new KubeApi(cp.clusterConfig), 'portside-controller');
  const target = { kind: 'Service', namespace: ns, name: 'status-patch' } as const;
  await writer.patch(target, { loadBalancer: { ingress: [{ ip: '198.51.100.10' }] } });
  const svc = await cp.kubeconfig.makeApiClient(CoreV1Api).readNamespacedService({ name: 'status-patch', namespace: ns });
  assert.deepEqual(svc.status?.loadBalancer?.ingress?.map((i) => i.ip), ['198.51.100.10']);
});

test('StatusWriter.update recomputes and retries when the object changed underneath', async (t) => {
  const cp = controlPlaneOrSkip(t);
  if (!cp) return;
  await service(cp, 'status-conflict');
  const core = cp.kubeconfig.makeApiClient(CoreV1Api);
  const writer = new StatusWriter(new KubeApi(cp.clusterConfig), 'portside-controller');
  const target = { kind: 'Service', namespace: ns, name: 'status-conflict' } as const;
  let computes = 0;
  const result = await writer.update<V1Service>(target, async (current) => {
    computes++;
    if (computes === 1) {
      // Another writer lands between our read and our patch: the guarded patch gets a 409.
      await core.patchNamespacedService(
        { name: 'status-conflict', namespace: ns, body: { metadata: { labels: { touched: 'yes' } } } },
        patchOptions(PatchStrategy.MergePatch),
      );
      return { loadBalancer: { ingress: [{ ip: '198.51.100.11' }] } };
    }
    assert.equal(current.metadata?.labels?.touched, 'yes', 'the retry computes from the fresh object');
    return { loadBalancer: { ingress: [{ ip: '198.51.100.12' }] } };
  });
  assert.equal(computes, 2);
  assert.ok(result);
  const stale = await writer.read(target);
  await core.patchNamespacedService({ name: 'status-conflict', namespace: ns, body: { metadata: { labels: { again: 'yes' } } } },
    patchOptions(PatchStrategy.MergePatch));
  await assert.rejects(
    writer.patch(target, { loadBalancer: { ingress: [{ ip: '198.51.100.13' }] } }, stale.metadata?.resourceVersion),
    (err: unknown) => statusCodeOf(err) === 409,
  );
  const svc = await core.readNamespacedService({ name: 'status-conflict', namespace: ns });
  assert.deepEqual(svc.status?.loadBalancer?.ingress?.map((i) => i.ip), ['198.51.100.12']);
});

test('custom resources: status via merge patch works; strategic merge patch is rejected', async (t) => {
  const cp = controlPlaneOrSkip(t);
  if (!cp) return;
  await installWidgetCrd(cp);
  const custom = cp.kubeconfig.makeApiClient(CustomObjectsApi);
  await custom.createNamespacedCustomObject({
    ...widget,
    body: { apiVersion: 'test.portside.dev/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 1 } },
  });
  const writer = new StatusWriter(new KubeApi(cp.clusterConfig), 'portside-controller');
  await writer.patch({ ...widget, name: 'w' }, { phase: 'Ready', assigned: 3 });
  const got = (await custom.getNamespacedCustomObject({ ...widget, name: 'w' })) as { status?: { phase?: string } };
  assert.equal(got.status?.phase, 'Ready');
  await assert.rejects(
    custom.patchNamespacedCustomObjectStatus(
      { ...widget, name: 'w', body: { status: { phase: 'x' } } },
      patchOptions(PatchStrategy.StrategicMergePatch),
    ),
    (err: unknown) => statusCodeOf(err) === 415,
  );
});

test('EventRecorder writes Events and bumps the count of repeats', async (t) => {
  const cp = controlPlaneOrSkip(t);
  if (!cp) return;
  const svc = await service(cp, 'events');
  const errors: unknown[] = [];
  const recorder = new EventRecorder(new KubeApi(cp.clusterConfig), { component: 'portside-controller', instance: 'test', onError: (e) => errors.push(e) });
  const obj = { apiVersion: 'v1', kind: 'Service', metadata: svc.metadata };
  await recorder.warning(obj, 'AllocationFailed', 'no available IPs in pool "default"');
  await recorder.warning(obj, 'AllocationFailed', 'no available IPs in pool "default"');
  await recorder.normal(obj, 'IPAllocated', 'Assigned IP ["198.51.100.20"]');
  assert.deepEqual(errors, []);
  const events = await cp.kubeconfig.makeApiClient(CoreV1Api).listNamespacedEvent({
    namespace: ns, fieldSelector: `involvedObject.name=events,involvedObject.kind=Service`,
  });
  // Only this recorder's: the API server's own repair loops may warn about the same Service
  // (PortNotAllocated, ClusterIPNotAllocated) when they race its creation.
  const ours = events.items.filter((e) => e.source?.component === 'portside-controller');
  const seen = JSON.stringify(events.items.map((e) => [e.source?.component, e.reason, e.count]));
  const byReason = new Map(ours.map((e) => [e.reason, e]));
  assert.equal(ours.length, 2, seen);
  assert.equal(byReason.get('AllocationFailed')?.count, 2);
  assert.equal(byReason.get('AllocationFailed')?.type, 'Warning');
  assert.equal(byReason.get('IPAllocated')?.count, 1);
  assert.equal(byReason.get('IPAllocated')?.involvedObject.uid, svc.metadata?.uid);
});

// The protobuf list decoder (lib/k8s/protobuf.ts) against a real kube-apiserver: Services with
// every field the decoder reads set (and the zero values JSON leaves out) listed both ways give
// the same objects, page by page; a cut or damaged answer is refused with a ProtobufError, and a
// list-watch whose protobuf page is refused lists in JSON instead.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Service } from '@kubernetes/client-node';
import { controlPlaneOrSkip, sharedControlPlane } from '../controlplane.ts';
import { JsonClient } from '../../lib/k8s/json-client.ts';
import { KubeApi } from '../../lib/k8s/kube-api.ts';
import { apiListWatch } from '../../lib/k8s/listwatch.ts';
import { decodeList, ProtobufError, SERVICE_LIST, whole } from '../../lib/k8s/protobuf.ts';

sharedControlPlane({ crds: false });
const NS = 'protobuf-list';
const PROTOBUF = 'application/vnd.kubernetes.protobuf';

type ServiceList = { items: V1Service[]; metadata: { continue?: string; resourceVersion?: string } };

function withoutManagedFields<T extends { metadata?: { managedFields?: unknown } }>(items: T[]): T[] {
  return items.map((s) => {
    const { managedFields: _dropped, ...metadata } = s.metadata ?? {};
    return { ...s, metadata };
  });
}

async function makeServices(json: JsonClient): Promise<void> {
  await json.request('POST', '/api/v1/namespaces', { body: { metadata: { name: NS } } });
  const create = (body: unknown): Promise<unknown> => json.request('POST', `/api/v1/namespaces/${NS}/services`, { body });
  await create({
    metadata: {
      name: 'everything', labels: { app: 'web', empty: '' }, annotations: { 'portside.dev/address-pool': 'blue', 'note': 'ünïcode ✓' },
      finalizers: ['test.portside.dev/hold'],
      ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: '8d9b4c52-6c0e-4a3c-9a3d-0d3f3f1f0a01', controller: true, blockOwnerDeletion: false }],
    },
    spec: {
      type: 'LoadBalancer', selector: { app: 'web' }, loadBalancerIP: '198.51.100.7', loadBalancerClass: 'portside.dev/test',
      externalTrafficPolicy: 'Local', internalTrafficPolicy: 'Local', sessionAffinity: 'ClientIP',
      sessionAffinityConfig: { clientIP: { timeoutSeconds: 600 } }, loadBalancerSourceRanges: ['203.0.113.0/24'],
      externalIPs: ['198.51.100.9'], publishNotReadyAddresses: true, allocateLoadBalancerNodePorts: true, trafficDistribution: 'PreferClose',
      ports: [
        { name: 'http', port: 80, targetPort: 'web', protocol: 'TCP', appProtocol: 'http' },
        { name: 'dns', port: 53, targetPort: 5353, protocol: 'UDP' },
      ],
    },
  });
  await create({ metadata: { name: 'plain' }, spec: { type: 'LoadBalancer', allocateLoadBalancerNodePorts: false, ports: [{ port: 443 }] } });
  await create({ metadata: { name: 'headless' }, spec: { clusterIP: 'None', selector: { app: 'db' }, ports: [{ port: 5432 }] } });
  await create({ metadata: { name: 'external' }, spec: { type: 'ExternalName', externalName: 'db.example.org' } });
  await create({ metadata: { generateName: 'node-port-' }, spec: { type: 'NodePort', ports: [{ port: 8080, nodePort: 30080 }] } });
  await json.mergePatch(`/api/v1/namespaces/${NS}/services/everything/status`, {
    status: {
      loadBalancer: { ingress: [
        { ip: '198.51.100.7', ipMode: 'VIP', ports: [{ port: 80, protocol: 'TCP' }, { port: 53, protocol: 'UDP', error: 'PortUnavailable' }] },
        { hostname: 'lb.example.org' },
      ] },
      conditions: [
        { type: 'Allocated', status: 'True', observedGeneration: 1, lastTransitionTime: '2026-12-06T06:00:00Z', reason: 'Ok', message: 'from pool blue' },
        { type: 'Announced', status: 'False', lastTransitionTime: '2026-12-06T06:00:01Z', reason: 'NoSpeaker', message: '' },
      ],
    },
  });
  // A deletion held by the finalizer: deletionTimestamp and deletionGracePeriodSeconds set.
  await json.request('DELETE', `/api/v1/namespaces/${NS}/services/everything`);
}

test('protobuf Service lists decode to what the JSON lists give, page by page; damaged answers are refused', async (t) => {
  const cp = controlPlaneOrSkip(t);
  if (!cp) return;
  const json = new JsonClient(cp.clusterConfig);
  t.after(async () => {
    await json.mergePatch(`/api/v1/namespaces/${NS}/services/everything`, { metadata: { finalizers: null } }).catch(() => undefined);
    await json.request('DELETE', `/api/v1/namespaces/${NS}`).catch(() => undefined);
    json.close();
  });
  await makeServices(json);
  const path = `/api/v1/namespaces/${NS}/services`;

  const fromJson = await json.request<ServiceList>('GET', path);
  assert.equal(fromJson.items.length, 5);
  const held = fromJson.items.find((s) => s.metadata?.name === 'everything');
  assert.ok(held?.metadata?.deletionTimestamp, 'the deletion is held by the finalizer');
  const { contentType, body } = await json.binary('GET', path, { accept: PROTOBUF });
  assert.equal(contentType, PROTOBUF);
  const decoded = decodeList<V1Service>(body, SERVICE_LIST);
  assert.equal(decoded.metadata.resourceVersion, fromJson.metadata.resourceVersion);
  assert.deepEqual(decoded.items, withoutManagedFields(fromJson.items));
  // Every field this server sends in metadata and status is known: the controller may send them back whole.
  assert.deepEqual(decoded.items.filter((s) => !whole(s)).map((s) => s.metadata?.name), []);

  // In pages of two: the same continue tokens and items either way.
  let token: string | undefined;
  let pages = 0;
  do {
    const query: Record<string, string> = { limit: '2', ...(token ? { continue: token } : {}) };
    const j = await json.request<ServiceList>('GET', path, { query });
    const p = decodeList<V1Service>((await json.binary('GET', path, { query, accept: PROTOBUF })).body, SERVICE_LIST);
    assert.deepEqual(p.items, withoutManagedFields(j.items));
    assert.equal(Boolean(p.metadata.continue), Boolean(j.metadata.continue));
    token = p.metadata.continue;
    pages++;
  } while (token);
  assert.equal(pages, 3);

  // Through the list-watch the informers use: protobuf asked for, JSON's objects out.
  const listed = await apiListWatch<V1Service>(new KubeApi(cp.clusterConfig), path, { protobuf: SERVICE_LIST, pageSize: 2 }).list();
  assert.deepEqual(listed.items, withoutManagedFields(fromJson.items));

  // Every cut of the answer is refused as a ProtobufError, never another exception or a hang.
  for (let len = 0; len < body.length; len += len < 64 ? 1 : 97) {
    assert.throws(() => decodeList(body.subarray(0, len), SERVICE_LIST), ProtobufError, `cut at ${len} of ${body.length}`);
  }
  // Damaged bytes: a ProtobufError or a decoded list, nothing else (seeded, reproducible).
  let seed = 0x2545f491;
  const random = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  for (let trial = 0; trial < 2000; trial++) {
    const damaged = Buffer.from(body);
    for (let k = 0; k < 3; k++) damaged[4 + Math.floor(random() * (damaged.length - 4))] = Math.floor(random() * 256);
    try {
      decodeList(damaged, SERVICE_LIST);
    } catch (err) {
      assert.ok(err instanceof ProtobufError, `trial ${trial}: ${String(err)}`);
    }
  }
  assert.throws(() => decodeList(Buffer.from('{"kind":"ServiceList"}'), SERVICE_LIST), /no k8s\\0 prefix/);
  // An error answer comes in protobuf too: its Status reads as the JSON one would.
  const restricted = new JsonClient(cp.restrictedClusterConfig);
  try {
    await assert.rejects(restricted.binary('GET', '/api/v1/secrets', { accept: PROTOBUF }), (err: Error & { code?: number }) => {
      assert.equal(err.code, 403);
      assert.match(err.message, /^GET \/api\/v1\/secrets: HTTP 403: secrets is forbidden: User ".+" cannot list resource "secrets" in API group "" at the cluster scope$/);
      return true;
    });
  } finally {
    restricted.close();
  }
  await assert.rejects(json.binary('GET', path, { query: { labelSelector: '!!' }, accept: PROTOBUF }), (err: Error & { code?: number }) => {
    assert.equal(err.code, 400);
    assert.match(err.message, /HTTP 400: unable to parse requirement/);
    return true;
  });
  // The envelope of another kind is refused by name.
  const namespaces = await json.binary('GET', '/api/v1/namespaces', { accept: PROTOBUF });
  assert.throws(() => decodeList(namespaces.body, SERVICE_LIST), /expected a ServiceList, got NamespaceList/);
});

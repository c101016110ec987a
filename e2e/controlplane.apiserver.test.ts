// The test control plane itself, and the Portside API as the real apiserver enforces it:
// samples apply cleanly, CEL/schema rules reject bad objects, kube-controller-manager makes
// EndpointSlices, RBAC applies to the restricted user.
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { CoreV1Api, CustomObjectsApi, DiscoveryV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { apiFailureOf, statusCodeOf } from '../lib/k8s/errors.ts';
import { mergePatch, serverSideApply } from './k8s/patch.ts';
import {
  controlPlaneOrSkip, INSTALL_NAMESPACE, RESTRICTED_USER, sharedControlPlane, startControlPlane,
} from './controlplane.ts';
import type { ControlPlane } from './controlplane.ts';
import { readCrds } from './controlplane.crds.ts';
import { waitFor } from './wait.ts';

const shared = sharedControlPlane({ controllerManager: true });
const ns = INSTALL_NAMESPACE;
const SAMPLES = new URL('../config/samples/', import.meta.url).pathname;
const GROUP = 'portside.dev';
const VERSION = 'v1beta1';

interface Doc {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  status?: unknown;
  [k: string]: unknown;
}

const pluralOf = new Map((await readCrds()).map((c) => [c.spec.names.kind, c.spec.names.plural]));

/** Skips (loudly) when the kind's CRD is not installed yet. */
function crdOrSkip(t: TestContext, cp: ControlPlane, kind: string): string | undefined {
  const plural = pluralOf.get(kind);
  if (plural && cp.crds.includes(`${plural}.${GROUP}`)) return plural;
  const why = plural && cp.crdFailures.some((f) => f.name === `${plural}.${GROUP}`)
    ? 'rejected by kube-apiserver (see the CRD test)' : 'not in crds/ yet';
  console.log(`# SKIP: CRD for ${kind} ${why}`);
  t.skip(`CRD for ${kind} ${why}`);
  return undefined;
}

const cr = (kind: string, name: string, spec: unknown): Doc => ({
  apiVersion: `${GROUP}/${VERSION}`, kind, metadata: { name, namespace: ns }, spec,
});

async function apply(cp: ControlPlane, doc: Doc): Promise<void> {
  const plural = pluralOf.get(doc.kind);
  if (!plural) throw new Error(`no CRD for ${doc.kind}`);
  const custom = cp.kubeconfig.makeApiClient(CustomObjectsApi);
  const where = { group: GROUP, version: VERSION, plural, namespace: doc.metadata.namespace ?? ns, name: doc.metadata.name };
  const opts = { fieldManager: 'portside-test', force: true };
  await custom.patchNamespacedCustomObject({ ...where, body: doc, ...opts }, serverSideApply());
  // Status-only kinds: the status lives behind the status subresource.
  if (doc.status !== undefined) {
    await custom.patchNamespacedCustomObjectStatus({ ...where, body: doc, ...opts }, serverSideApply());
  }
}

async function rejection(promise: Promise<unknown>): Promise<{ code: number | undefined; message: string }> {
  try {
    await promise;
  } catch (err) {
    return { code: statusCodeOf(err), message: apiFailureOf(err).message };
  }
  assert.fail('the apiserver accepted an invalid object');
}

test('every CRD in crds/ is accepted by kube-apiserver and Established', async (t) => {
  const cp = controlPlaneOrSkip(t);
  if (!cp) return;
  if (pluralOf.size === 0) return t.skip('no CRDs in crds/ yet');
  assert.deepEqual(cp.crdFailures, [], cp.crdFailures.map((f) => `${f.name}: ${f.message}`).join('\n'));
  assert.equal(cp.crds.length, pluralOf.size);
});

test('every sample in config/samples is accepted by server-side apply', async (t) => {
  const cp = controlPlaneOrSkip(t);
  if (!cp) return;
  const files = (await readdir(SAMPLES).catch(() => [])).filter((f) => f.endsWith('.yaml')).sort();
  if (files.length === 0) return t.skip('no samples in config/samples yet');
  let applied = 0;
  const missing = new Set<string>();
  for (const file of files) {
    for (const d of parseAllDocuments(await readFile(join(SAMPLES, file), 'utf8'))) {
      const doc = d.toJS() as Doc | null;
      if (!doc?.kind) continue;
      if (!doc.apiVersion.startsWith(`${GROUP}/`)) assert.fail(`${file}: ${doc.kind} is not a ${GROUP} object`);
      const plural = pluralOf.get(doc.kind);
      if (!plural || !cp.crds.includes(`${plural}.${GROUP}`)) {
        missing.add(doc.kind);
        continue;
      }
      await apply(cp, doc).catch((err: unknown) => {
        assert.fail(`${file}: ${doc.kind}/${doc.metadata.name} rejected: ${apiFailureOf(err).message}`);
      });
      applied++;
    }
  }
  if (missing.size > 0) {
    console.log(`# NOT CHECKED: samples of ${[...missing].join(', ')} (CRD not installed; see the CRD test)`);
  }
  console.log(`# applied ${applied} sample objects from ${files.length} files`);
});

const invalid: { what: string; doc: Doc; message: RegExp }[] = [
  {
    what: 'BGPPeer holdTime 1s',
    doc: cr('BGPPeer', 'bad-hold', { myASN: 64512, peerASN: 64513, peerAddress: '203.0.113.1', holdTime: '1s' }),
    message: /holdTime must be 0 or between 3s and 65535s/,
  },
  {
    what: 'BGPPeer with both peerASN and dynamicASN',
    doc: cr('BGPPeer', 'bad-asn', { myASN: 64512, peerASN: 64513, dynamicASN: 'external', peerAddress: '203.0.113.1' }),
    message: /exactly one of peerASN and dynamicASN must be set/,
  },
  {
    what: 'BFDProfile receiveInterval 5',
    doc: cr('BFDProfile', 'bad-bfd', { receiveInterval: 5 }),
    message: /receiveInterval.*(should be greater than or equal to 10|Invalid value)/,
  },
  {
    what: 'BGPAdvertisement with serviceSelectors and aggregationLength 24',
    doc: cr('BGPAdvertisement', 'bad-agg', { aggregationLength: 24, serviceSelectors: [{ matchLabels: { app: 'web' } }] }),
    message: /serviceSelectors can only be used with the default aggregationLength/,
  },
  {
    what: 'IPAddressPool with a malformed address',
    doc: cr('IPAddressPool', 'bad-cidr', { addresses: ['198.51.100.0/33'] }),
    message: /each address must be a CIDR or a start-end range/,
  },
];

for (const c of invalid) {
  test(`rejected by the CRD: ${c.what}`, async (t) => {
    const cp = controlPlaneOrSkip(t);
    if (!cp || !crdOrSkip(t, cp, c.doc.kind)) return;
    const { code, message } = await rejection(apply(cp, c.doc));
    assert.equal(code, 422, message);
    assert.match(message, c.message);
  });
}

test('ServiceL2Status: status.node cannot change through the status subresource', async (t) => {
  const cp = controlPlaneOrSkip(t);
  const plural = cp && crdOrSkip(t, cp, 'ServiceL2Status');
  if (!cp || !plural) return;
  const doc: Doc = { ...cr('ServiceL2Status', 'l2-immutable', undefined), status: { node: 'node-1', serviceName: 'web', serviceNamespace: 'shop' } };
  delete doc.spec;
  await apply(cp, doc);
  const custom = cp.kubeconfig.makeApiClient(CustomObjectsApi);
  const where = { group: GROUP, version: VERSION, plural, namespace: ns, name: 'l2-immutable' };
  const { code, message } = await rejection(
    custom.patchNamespacedCustomObjectStatus({ ...where, body: { status: { node: 'node-2' } } }, mergePatch()),
  );
  assert.equal(code, 422, message);
  assert.match(message, /status\.node is immutable once set/);
});

test('a Ready Pod behind a Service yields an EndpointSlice from kube-controller-manager', async (t) => {
  const cp = controlPlaneOrSkip(t);
  if (!cp) return;
  const core = cp.kubeconfig.makeApiClient(CoreV1Api);
  await core.createNode({ body: { metadata: { name: 'node-1', labels: { 'kubernetes.io/hostname': 'node-1' } } } });
  await core.createNamespacedService({
    namespace: ns,
    body: { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, protocol: 'TCP' }] } },
  });
  await core.createNamespacedPod({
    namespace: ns,
    body: {
      metadata: { name: 'web-1', labels: { app: 'web' } },
      spec: { nodeName: 'node-1', containers: [{ name: 'web', image: 'registry.invalid/web:1' }] },
    },
  });
  // No kubelet here: the test plays it and writes the Pod's status itself.
  await core.patchNamespacedPodStatus({
    name: 'web-1', namespace: ns,
    body: {
      status: {
        phase: 'Running', podIP: '10.244.1.5', podIPs: [{ ip: '10.244.1.5' }],
        conditions: [{ type: 'Ready', status: 'True' }],
      },
    },
  }, mergePatch());
  const discovery = cp.kubeconfig.makeApiClient(DiscoveryV1Api);
  const slice = await waitFor(async () => {
    const list = await discovery.listNamespacedEndpointSlice({ namespace: ns, labelSelector: 'kubernetes.io/service-name=web' });
    return list.items.find((s) => s.endpoints?.some((e) => e.addresses.includes('10.244.1.5')));
  }, { timeoutMs: 20_000, what: 'EndpointSlice for web' });
  const endpoint = slice.endpoints?.find((e) => e.addresses.includes('10.244.1.5'));
  assert.equal(endpoint?.nodeName, 'node-1');
  assert.equal(endpoint?.conditions?.ready, true);
});

test('the restricted user cannot update Services until a Role grants it', async (t) => {
  const cp = controlPlaneOrSkip(t);
  if (!cp) return;
  const admin = cp.kubeconfig.makeApiClient(CoreV1Api);
  await admin.createNamespacedService({
    namespace: ns,
    body: { metadata: { name: 'rbac' }, spec: { ports: [{ port: 80, protocol: 'TCP' }] } },
  });
  const user = cp.restrictedKubeconfig.makeApiClient(CoreV1Api);
  const patch = (): Promise<unknown> =>
    user.patchNamespacedService({ name: 'rbac', namespace: ns, body: { metadata: { labels: { by: 'user' } } } }, mergePatch());
  const denied = await rejection(patch());
  assert.equal(denied.code, 403);
  assert.match(denied.message, new RegExp(`User "${RESTRICTED_USER}" cannot patch resource "services"`));

  const rbac = cp.kubeconfig.makeApiClient(RbacAuthorizationV1Api);
  await rbac.createNamespacedRole({
    namespace: ns,
    body: { metadata: { name: 'service-editor' }, rules: [{ apiGroups: [''], resources: ['services'], verbs: ['get', 'update', 'patch'] }] },
  });
  await rbac.createNamespacedRoleBinding({
    namespace: ns,
    body: {
      metadata: { name: 'service-editor' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'service-editor' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: RESTRICTED_USER }],
    },
  });
  await waitFor(async () => (await patch(), true), { timeoutMs: 10_000, what: 'RBAC grant to take effect' });
});

test('a second control plane starts warm, and stop() leaves no process or temp dir behind', async (t) => {
  if (!controlPlaneOrSkip(t, shared)) return;
  const second = await startControlPlane({ controllerManager: true });
  console.log(`# control plane start: cold ${shared.current()?.startupMs} ms warm ${second.startupMs} ms (each: certs + etcd + apiserver + KCM + CRDs)`);
  const built = await readFile(join(second.binDir, 'build-seconds'), 'utf8').catch(() => 'not recorded');
  console.log(`# control-plane binaries: cold build ${built.trim()} s (hack/controlplane/build.sh; cached in ${second.binDir})`);
  const { dir, processes } = second;
  assert.deepEqual(processes.map((p) => p.name), ['etcd', 'kube-apiserver', 'kube-controller-manager']);
  await second.stop();
  await assert.rejects(readdir(dir), /ENOENT/);
  for (const { pid } of processes) assert.throws(() => process.kill(pid, 0), /ESRCH/, `pid ${pid} is gone`);
});

test('a component that fails to start reports its log and nothing is left running', async (t) => {
  const cp = controlPlaneOrSkip(t);
  if (!cp) return;
  const fake = await mkdtemp(join(tmpdir(), 'portside-fakebin-'));
  t.after(() => rm(fake, { recursive: true, force: true }));
  await symlink(join(cp.binDir, 'etcd'), join(fake, 'etcd'));
  await writeFile(join(fake, 'kube-apiserver'), '#!/bin/sh\necho "E1123 unknown flag: --bogus (fake apiserver)" >&2\nexit 1\n');
  await chmod(join(fake, 'kube-apiserver'), 0o755);
  const err = await startControlPlane({ binDir: fake, crds: false }).then(() => undefined, (e: unknown) => e as Error);
  assert.ok(err, 'start must fail');
  assert.match(err.message, /kube-apiserver exited \(code 1/);
  assert.match(err.message, /unknown flag: --bogus \(fake apiserver\)/);
  const etcdPid = Number(/--- etcd \(pid (\d+)\)/.exec(err.message)?.[1]);
  assert.ok(etcdPid > 0, 'the error names the etcd it started');
  assert.throws(() => process.kill(etcdPid, 0), /ESRCH/, 'etcd was stopped');
});

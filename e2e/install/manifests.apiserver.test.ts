// The install manifests against a real kube-apiserver: every object that the real
// `kustomize build` renders from the base and the prometheus and frr overlays, and that the real
// `helm template` renders from the chart (each case of hack/render/chart-cases.ts),
// passes a server-side dry-run apply, and the RBAC, applied for real, grants exactly what
// the design says (SubjectAccessReview). The Prometheus Operator is not installed here:
// the test installs a schemaless ServiceMonitor CRD stub so ServiceMonitors can be
// dry-run at all (that checks their shape as Kubernetes objects, not against the
// operator's schema).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  ApiextensionsV1Api, AuthorizationV1Api, CoreV1Api, KubernetesObjectApi, PatchStrategy,
} from '@kubernetes/client-node';
import type { KubernetesObject, V1CustomResourceDefinition } from '@kubernetes/client-node';
import { controlPlaneOrSkip, INSTALL_NAMESPACE, sharedControlPlane } from '../controlplane.ts';
import type { ControlPlane } from '../controlplane.ts';
import { waitFor } from '../wait.ts';
import { apiFailureOf, isAlreadyExists, statusCodeOf } from '../../lib/k8s/errors.ts';
import { CHART_CASES } from '../../hack/render/chart-cases.ts';
import { ROOT, RENDERED } from '../../hack/render/generated.ts';
import { idOf, parseObjects } from '../../hack/render/objects.ts';
import type { KubeObject } from '../../hack/render/objects.ts';
import { helmTemplate, kustomizeBuild } from '../../hack/render/tools.ts';

const shared = sharedControlPlane();
const NS = INSTALL_NAMESPACE;
const FIELD_MANAGER = 'portside-install-test';
const CHART = join(ROOT, 'config/charts/portside');
const [BASE_FILE, PROMETHEUS_FILE, FRR_FILE] = Object.keys(RENDERED) as [keyof typeof RENDERED, keyof typeof RENDERED, keyof typeof RENDERED];

const load = async (path: string): Promise<KubeObject[]> => parseObjects(await readFile(join(ROOT, path), 'utf8'), path);

/** `kustomize build dir`, checked to be the committed single-file install rendered from it. */
async function built(file: keyof typeof RENDERED): Promise<KubeObject[]> {
  const dir = RENDERED[file];
  const objects = parseObjects(await kustomizeBuild(join(ROOT, dir)), `kustomize build ${dir}`);
  assert.deepEqual(objects, await load(file), `kustomize build ${dir} vs ${file}`);
  return objects;
}

const SERVICE_MONITOR_STUB: V1CustomResourceDefinition = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'servicemonitors.monitoring.coreos.com' },
  spec: {
    group: 'monitoring.coreos.com',
    names: { kind: 'ServiceMonitor', listKind: 'ServiceMonitorList', plural: 'servicemonitors', singular: 'servicemonitor' },
    scope: 'Namespaced',
    versions: [{
      name: 'v1', served: true, storage: true,
      schema: {
        openAPIV3Schema: {
          type: 'object',
          properties: { spec: { type: 'object', x_kubernetes_preserve_unknown_fields: true } },
        },
      },
    }],
  },
};

async function installServiceMonitorStub(cp: ControlPlane): Promise<void> {
  const api = cp.kubeconfig.makeApiClient(ApiextensionsV1Api);
  const name = SERVICE_MONITOR_STUB.metadata!.name!;
  await api.readCustomResourceDefinition({ name }).catch(() => api.createCustomResourceDefinition({ body: SERVICE_MONITOR_STUB }));
  await waitFor(async () => {
    const crd = await api.readCustomResourceDefinition({ name });
    return (crd.status?.conditions ?? []).some((c) => c.type === 'Established' && c.status === 'True');
  }, { timeoutMs: 30_000, intervalMs: 50, what: `CRD ${name} Established` });
}

/** Server-side applies each object (dry run unless told otherwise); returns the failures. */
async function applyAll(cp: ControlPlane, objects: KubeObject[], dryRun: boolean): Promise<string[]> {
  // A fresh client: its discovery cache must see the CRDs installed before this call.
  const client = KubernetesObjectApi.makeApiClient(cp.kubeconfig);
  const failures: string[] = [];
  for (const o of objects) {
    try {
      await client.patch(o as KubernetesObject, undefined, dryRun ? 'All' : undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
    } catch (err) {
      failures.push(`${idOf(o)}: ${apiFailureOf(err).message}`);
    }
  }
  return failures;
}

async function prepare(t: Parameters<typeof controlPlaneOrSkip>[0]): Promise<ControlPlane | undefined> {
  const cp = controlPlaneOrSkip(t, shared);
  if (!cp) return undefined;
  await installServiceMonitorStub(cp);
  return cp;
}

test('every object of `kustomize build config/base` passes a server-side dry-run apply', async (t) => {
  const cp = await prepare(t);
  if (!cp) return;
  const objects = await built(BASE_FILE);
  assert.deepEqual(await applyAll(cp, objects, true), []);
  // A dry run persists nothing.
  const deployment = objects.find((o) => o.kind === 'Deployment');
  assert.ok(deployment);
  const read = KubernetesObjectApi.makeApiClient(cp.kubeconfig).read(deployment as KubernetesObject & { metadata: { name: string } });
  assert.equal(statusCodeOf(await read.then(() => undefined, (err: unknown) => err)), 404);
});

test('every object of `kustomize build config/overlays/prometheus` passes a server-side dry-run apply', async (t) => {
  const cp = await prepare(t);
  if (!cp) return;
  assert.deepEqual(await applyAll(cp, await built(PROMETHEUS_FILE), true), []);
});

test('every object of `kustomize build config/overlays/frr` (the sidecar FRR) passes a server-side dry-run apply', async (t) => {
  const cp = await prepare(t);
  if (!cp) return;
  const objects = await built(FRR_FILE);
  assert.ok(objects.some((o) => o.kind === 'DaemonSet' && JSON.stringify(o).includes('portside-frr')));
  assert.deepEqual(await applyAll(cp, objects, true), []);
});

for (const c of Object.values(CHART_CASES)) {
  test(`every object \`helm template\` renders (${c.name}) passes a server-side dry-run apply`, async (t) => {
    const cp = await prepare(t);
    if (!cp) return;
    // The chart does not own its namespace (config/README.md): the operator creates it.
    await cp.kubeconfig.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: c.namespace } } })
      .catch((err: unknown) => { if (!isAlreadyExists(err)) throw err; });
    const objects = await helmTemplate(CHART, c);
    assert.ok(objects.some((o) => o.kind === 'DaemonSet') && objects.some((o) => o.kind === 'Deployment'));
    assert.equal(objects.some((o) => o.kind === 'ServiceMonitor'), c.serviceMonitors);
    // Helm installs the chart's crds/ first; the control plane already has them.
    assert.deepEqual(await applyAll(cp, objects, true), []);
  });
}

interface Access { verb: string; group?: string; resource: string; subresource?: string; namespace?: string; name?: string }

test('RBAC, applied for real, grants the controller and speaker exactly their jobs (SubjectAccessReview)', async (t) => {
  const cp = await prepare(t);
  if (!cp) return;
  const rbacKinds = new Set(['Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding']);
  const objects = (await load(BASE_FILE)).filter((o) => rbacKinds.has(o.kind));
  assert.deepEqual(await applyAll(cp, objects, false), []);
  const authz = cp.kubeconfig.makeApiClient(AuthorizationV1Api);
  const can = async (sa: string, a: Access): Promise<boolean> => {
    const review = await authz.createSubjectAccessReview({
      body: {
        apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview',
        spec: {
          user: `system:serviceaccount:${NS}:${sa}`,
          groups: ['system:serviceaccounts', `system:serviceaccounts:${NS}`, 'system:authenticated'],
          resourceAttributes: { verb: a.verb, group: a.group ?? '', resource: a.resource, subresource: a.subresource ?? '', namespace: a.namespace ?? '', name: a.name ?? '' },
        },
      },
    });
    return review.status?.allowed === true;
  };
  const expectations: [string, Access, boolean][] = [
    ['speaker', { verb: 'update', resource: 'services', namespace: 'default' }, false],
    ['speaker', { verb: 'patch', resource: 'services', namespace: 'default' }, false],
    ['speaker', { verb: 'patch', resource: 'services', subresource: 'status', namespace: 'default' }, false],
    ['speaker', { verb: 'list', group: 'discovery.k8s.io', resource: 'endpointslices' }, true],
    ['speaker', { verb: 'watch', resource: 'nodes' }, true],
    ['speaker', { verb: 'get', resource: 'secrets', namespace: NS }, true],
    ['speaker', { verb: 'get', resource: 'secrets', namespace: 'default' }, false],
    ['speaker', { verb: 'list', resource: 'secrets' }, false],
    ['speaker', { verb: 'create', group: 'portside.dev', resource: 'servicel2statuses', namespace: NS }, true],
    ['speaker', { verb: 'patch', group: 'portside.dev', resource: 'servicebgpstatuses', subresource: 'status', namespace: NS }, true],
    ['speaker', { verb: 'create', group: 'portside.dev', resource: 'servicel2statuses', namespace: 'default' }, false],
    ['speaker', { verb: 'patch', group: 'portside.dev', resource: 'ipaddresspools', subresource: 'status', namespace: NS }, false],
    ['controller', { verb: 'update', resource: 'services', subresource: 'status', namespace: 'default' }, true],
    ['controller', { verb: 'patch', resource: 'services', namespace: 'default' }, true],
    ['controller', { verb: 'get', resource: 'secrets', namespace: NS }, true],
    ['controller', { verb: 'watch', resource: 'secrets', namespace: NS }, true],
    ['controller', { verb: 'update', resource: 'secrets', namespace: NS }, false],
    ['controller', { verb: 'get', resource: 'secrets', namespace: 'default' }, false],
    ['controller', { verb: 'list', resource: 'secrets' }, false],
    // The liveness key: created when absent, that one Secret read, none changed.
    ['controller', { verb: 'create', resource: 'secrets', namespace: NS }, true],
    ['controller', { verb: 'create', resource: 'secrets', namespace: 'default' }, false],
    ['controller', { verb: 'get', resource: 'secrets', namespace: NS, name: 'portside-liveness-key' }, true],
    ['controller', { verb: 'watch', resource: 'secrets', namespace: NS, name: 'portside-liveness-key' }, true],
    ['controller', { verb: 'get', resource: 'secrets', namespace: NS, name: 'tor-a-password' }, true], // a BGPPeer's passwordSecret is checked
    ['controller', { verb: 'update', resource: 'secrets', namespace: NS, name: 'portside-liveness-key' }, false],
    ['controller', { verb: 'delete', resource: 'secrets', namespace: NS, name: 'portside-liveness-key' }, false],
    ['controller', { verb: 'get', group: 'apps', resource: 'deployments', namespace: NS, name: 'portside-controller' }, true],
    ['controller', { verb: 'get', group: 'apps', resource: 'deployments', namespace: NS, name: 'portside-speaker' }, false],
    ['controller', { verb: 'list', group: 'discovery.k8s.io', resource: 'endpointslices' }, false],
    ['controller', { verb: 'create', group: 'events.k8s.io', resource: 'events', namespace: 'default' }, true],
    ['controller', { verb: 'update', group: 'coordination.k8s.io', resource: 'leases', namespace: NS }, true],
    ['controller', { verb: 'update', group: 'coordination.k8s.io', resource: 'leases', namespace: 'default' }, false],
    ['controller', { verb: 'patch', group: 'portside.dev', resource: 'ipaddresspools', subresource: 'status', namespace: NS }, true],
    ['controller', { verb: 'update', group: 'portside.dev', resource: 'ipaddresspools', namespace: NS }, false],
    ['controller', { verb: 'create', group: 'portside.dev', resource: 'configurationstates', namespace: NS }, true],
  ];
  const wrong: string[] = [];
  for (const [sa, a, want] of expectations) {
    const got = await can(sa, a);
    if (got !== want) wrong.push(`${sa} ${a.verb} ${a.group ?? ''}/${a.resource}${a.subresource ? `/${a.subresource}` : ''} in ${a.namespace || '(cluster)'}${a.name ? ` ${a.name}` : ''}: got ${got}, want ${want}`);
  }
  assert.deepEqual(wrong, []);
});

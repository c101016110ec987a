// Issue #14: the controller reports a BGPPeer whose passwordSecret names a missing Secret, as
// MetalLB's controller does. `portside controller` runs as a child process on a real
// kube-apiserver under the identity of its ServiceAccount, bound by the shipped controller
// RBAC (config/base/controller-rbac.yaml, moved into the test's namespace): so the Role is
// enough, and the Secret informer watches the install namespace only (a cluster-wide watch
// is refused and the controller would never become ready).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { KubernetesObjectApi, PatchStrategy, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import type { KubernetesObject } from '@kubernetes/client-node';
import { GROUP, VERSION } from '../../crds/index.ts';
import { ROOT } from '../../hack/render/generated.ts';
import { parseObjects } from '../../hack/render/objects.ts';
import type { KubeObject } from '../../hack/render/objects.ts';
import { controlPlaneOrSkip, sharedControlPlane } from '../controlplane.ts';
import { stopProcess } from '../controlplane.process.ts';
import type { ManagedProcess } from '../controlplane.process.ts';
import { waitFor } from '../wait.ts';
import { Cluster, startControllerProcess, uniqueName } from './testkit.ts';

sharedControlPlane();

/** The shipped controller RBAC, in `namespace`, its cluster-scoped objects renamed so tests sharing the apiserver do not collide. */
async function controllerRbac(namespace: string): Promise<KubeObject[]> {
  const text = await readFile(`${ROOT}/config/base/controller-rbac.yaml`, 'utf8');
  return parseObjects(text, 'config/base/controller-rbac.yaml').map((o) => {
    const cluster = o.kind.startsWith('Cluster');
    const metadata = { ...o.metadata, ...(cluster ? { name: `${o.metadata.name}-${namespace}` } : { namespace }) };
    const subjects = (o.subjects as { namespace?: string }[] | undefined)?.map((s) => ({ ...s, namespace }));
    const roleRef = o.roleRef as { kind: string; name: string } | undefined;
    return {
      ...o, metadata,
      ...(subjects ? { subjects } : {}),
      ...(roleRef?.kind === 'ClusterRole' ? { roleRef: { ...roleRef, name: `${roleRef.name}-${namespace}` } } : {}),
    } as KubeObject;
  });
}

interface State { result?: string; errorSummary?: string }

test('a BGPPeer whose passwordSecret names a missing Secret makes the controller\'s ConfigurationState Invalid, naming kind, object and field; Valid once the Secret exists', async (t) => {
  const cp = controlPlaneOrSkip(t);
  if (!cp) return;
  const cluster = new Cluster(cp.kubeconfig);
  const install = await cluster.namespace(uniqueName('ps'));
  const rbac = await controllerRbac(install);
  const objects = KubernetesObjectApi.makeApiClient(cp.kubeconfig);
  const procs: ManagedProcess[] = [];
  t.after(async () => {
    for (const p of procs) await stopProcess(p);
    const api = cp.kubeconfig.makeApiClient(RbacAuthorizationV1Api);
    for (const o of rbac) {
      if (o.kind === 'ClusterRole') await api.deleteClusterRole({ name: o.metadata.name });
      if (o.kind === 'ClusterRoleBinding') await api.deleteClusterRoleBinding({ name: o.metadata.name });
    }
  });
  for (const o of rbac) await objects.patch(o as KubernetesObject, undefined, undefined, 'portside-test', true, PatchStrategy.ServerSideApply);
  // The ServiceAccount's user name; RBAC matches a ServiceAccount subject by it.
  const identity = await cp.clientKubeconfig(`controller-${install}`, `/O=system:serviceaccounts/CN=system:serviceaccount:${install}:controller`);

  await cluster.pool(install, 'bgp', { addresses: ['198.51.100.200/29'] });
  await cluster.custom.createNamespacedCustomObject({
    group: GROUP, version: VERSION, plural: 'bgppeers', namespace: install,
    body: {
      apiVersion: `${GROUP}/${VERSION}`, kind: 'BGPPeer', metadata: { name: 'tor', namespace: install },
      spec: { myASN: 64512, peerASN: 64513, peerAddress: '198.51.100.254', passwordSecret: { name: 'tor-password' } },
    },
  });
  const proc = startControllerProcess(cp, install, ['--leader-elect=false'], identity);
  procs.push(proc);
  const state = (ok: (s: State) => boolean, what: string) => waitFor(async () => {
    if (proc.exitedAlready()) throw new Error(`portside controller exited; log: ${proc.logPath}`);
    const s = (await cluster.configurationState(install)) as State | undefined;
    return s && ok(s) ? s : undefined;
  }, { timeoutMs: 20_000, what: `ConfigurationState ${install}/controller ${what} (log: ${proc.logPath})` });
  const invalidWith = (re: RegExp) => state((s) => s.result === 'Invalid' && re.test(s.errorSummary ?? ''), `Invalid with ${re}`);

  const invalid = await state((s) => s.result === 'Invalid', 'Invalid');
  assert.match(invalid.errorSummary ?? '', /^BGPPeer\/tor spec\.passwordSecret: Secret "tor-password" not found/);

  await cluster.core.createNamespacedSecret({
    namespace: install,
    body: { metadata: { name: 'tor-password' }, type: 'kubernetes.io/basic-auth', stringData: { password: 'not-a-real-one' } },
  });
  assert.equal((await state((s) => s.result === 'Valid', 'Valid')).errorSummary, '');

  // The informer follows the Secret: without its key the peer is refused again; deleted, it is missing again.
  await cluster.core.replaceNamespacedSecret({
    name: 'tor-password', namespace: install,
    body: { metadata: { name: 'tor-password' }, type: 'kubernetes.io/basic-auth', data: { username: Buffer.from('x').toString('base64') } },
  });
  await invalidWith(/^BGPPeer\/tor spec\.passwordSecret: Secret "tor-password" has no "password" key/);
  await cluster.core.deleteNamespacedSecret({ name: 'tor-password', namespace: install });
  await invalidWith(/^BGPPeer\/tor spec\.passwordSecret: Secret "tor-password" not found/);
});

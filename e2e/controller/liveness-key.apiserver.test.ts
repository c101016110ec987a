// The controller's liveness-key Secret against a real kube-apiserver, as the controller's
// ServiceAccount (the shipped RBAC, applied for real; a client certificate in its name):
// created when absent (32 random bytes, labelled, owned by the controller Deployment, the
// key never in the log), created again with a new key when deleted, and a user-supplied
// Secret left exactly as it is.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { AppsV1Api, CoreV1Api, KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';
import type { KubernetesObject, V1Secret } from '@kubernetes/client-node';
import { ROOT } from '../../hack/render/generated.ts';
import { parseObjects } from '../../hack/render/objects.ts';
import { isNotFound, KubeApi, loadKubeConfig } from '../../lib/k8s/index.ts';
import { GENERATED_BY_LABEL, LIVENESS_SECRET } from '../../lib/liveness/key-secret.ts';
import { createLogger } from '../../lib/log/index.ts';
import { LivenessKeyKeeper } from '../../operator/liveness-key.ts';
import { controlPlaneOrSkip, INSTALL_NAMESPACE, sharedControlPlane } from '../controlplane.ts';
import { waitFor } from '../wait.ts';

const shared = sharedControlPlane();
const NS = INSTALL_NAMESPACE;

test('the controller creates the liveness key when absent, again when deleted, and leaves a user\'s Secret as it is', async (t) => {
  const cp = controlPlaneOrSkip(t, shared);
  if (!cp) return;
  // The shipped RBAC and the controller Deployment (no Pods: nothing schedules them here).
  const install = parseObjects(await readFile(join(ROOT, 'config/manifests/portside.yaml'), 'utf8'), 'portside.yaml')
    .filter((o) => ['Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding', 'Deployment'].includes(o.kind));
  const admin = KubernetesObjectApi.makeApiClient(cp.kubeconfig);
  for (const o of install) await admin.patch(o as KubernetesObject, undefined, undefined, 'test', true, PatchStrategy.ServerSideApply);
  const deployment = await cp.kubeconfig.makeApiClient(AppsV1Api).readNamespacedDeployment({ namespace: NS, name: 'portside-controller' });
  const core = cp.kubeconfig.makeApiClient(CoreV1Api);

  const kubeconfig = await cp.clientKubeconfig('portside-controller-sa', `/O=system:serviceaccounts/O=system:serviceaccounts:${NS}/CN=system:serviceaccount:${NS}:controller`);
  const kc = (await loadKubeConfig({ kubeconfig, env: {} })).config;
  let logged = '';
  const destination = new Writable({ write(chunk: Buffer, _enc, done) { logged += chunk.toString(); done(); } });
  const log = createLogger({ component: 'controller', level: 'trace', destination });
  const api = new KubeApi(kc);
  const read = () => core.readNamespacedSecret({ namespace: NS, name: LIVENESS_SECRET });
  const keyOf = (s: V1Secret) => Buffer.from(s.data?.key ?? '', 'base64');

  let keeper = new LivenessKeyKeeper({ api, namespace: NS, deployment: 'portside-controller', log });
  await keeper.start();
  const first = await read();
  assert.equal(keyOf(first).length, 32, '32 random bytes');
  assert.equal(first.metadata?.labels?.[GENERATED_BY_LABEL], 'controller');
  assert.equal(first.metadata?.labels?.['app.kubernetes.io/name'], 'portside');
  assert.deepEqual(first.metadata?.ownerReferences?.map((o) => `${o.kind}/${o.name}/${o.uid}`), [`Deployment/portside-controller/${deployment.metadata?.uid}`]);

  // Deleted (a rotation): made again at once, with another key.
  await core.deleteNamespacedSecret({ namespace: NS, name: LIVENESS_SECRET });
  const second = await waitFor(async () => {
    const s = await read().catch((err: unknown) => { if (isNotFound(err)) return undefined; throw err; });
    return s && s.metadata?.uid !== first.metadata?.uid ? s : undefined;
  }, { timeoutMs: 10_000, what: 'the Secret created again' });
  assert.equal(keyOf(second).length, 32);
  assert.notDeepEqual(keyOf(second), keyOf(first), 'a new key');
  await keeper.stop();
  assert.match(logged, /"event":"liveness_key_created"/);
  for (const s of [first, second]) {
    for (const form of [s.data?.key ?? '', keyOf(s).toString('hex'), keyOf(s).toString('latin1')]) assert.ok(!logged.includes(form), 'the key is never logged');
  }

  // A user's Secret (sealed-secrets, external-secrets): used as it is, never replaced.
  await core.deleteNamespacedSecret({ namespace: NS, name: LIVENESS_SECRET });
  const user = await core.createNamespacedSecret({ namespace: NS, body: { metadata: { name: LIVENESS_SECRET, labels: { owner: 'user' } }, stringData: { key: 'a user key of at least sixteen bytes' } } });
  keeper = new LivenessKeyKeeper({ api, namespace: NS, deployment: 'portside-controller', log });
  await keeper.start();
  const after = await read();
  await keeper.stop();
  assert.equal(after.metadata?.resourceVersion, user.metadata?.resourceVersion, 'not written to');
  assert.equal(keyOf(after).toString(), 'a user key of at least sixteen bytes');
});

// config/gitops/ synced into an empty cluster (a real kube-apiserver without Portside's
// CRDs), with the real kustomize and kubectl, in the order the files declare (Argo CD sync
// waves, Flux dependsOn, read by e2e/gitops/sync-order.ts): one sync converges, i.e. a
// server-side diff of everything right after it shows no change. Synced the other way round
// the configuration fails ("no matches for kind"), so the declared order is what makes it
// work. A plain one-shot `kubectl apply --server-side` of the install and the pools
// together cannot converge (kubectl maps every object before it creates any, so the pools'
// kinds are unknown to it): it must fail saying to install the CRDs first, having applied
// the install, and the README's two steps then converge.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { ControlPlaneUnavailable, startControlPlane } from '../controlplane.ts';
import type { ControlPlane } from '../controlplane.ts';
import type { KubeObject } from '../../hack/render/objects.ts';
import { argoApplicationOrder, fluxOrder } from './sync-order.ts';
import {
  applyServerSide, build, kubectlBinary, kubectlFor, mustRun, serverSideDiff, syncArgoAppOfApps,
  syncArgoApplication, syncFlux, syncFluxKustomization, yamlStream,
} from './sync.ts';
import type { Kubectl } from './sync.ts';

const INSTALL = 'config/base';
const CONFIGURATION = 'config/gitops/configuration';
const SINGLE = 'config/gitops/single';
const NO_MATCH = /no matches for kind "(IPAddressPool|L2Advertisement)" in version "portside\.dev\/v1beta1"/;

let kubectlBin: Promise<string> | undefined;

/**
 * kubectl (a fresh client) for a control plane of its own that has never seen Portside:
 * a deleted CRD lingers in discovery and takes long to delete, so no cluster is reused.
 */
async function emptyCluster(t: TestContext): Promise<Kubectl | undefined> {
  let cp: ControlPlane;
  try {
    cp = await startControlPlane({ crds: false, restrictedUser: false });
  } catch (err) {
    if (!(err instanceof ControlPlaneUnavailable) || process.env.CI === 'true') throw err;
    t.skip(`real kube-apiserver unavailable: ${err.message}`);
    return undefined;
  }
  t.after(() => cp.stop());
  kubectlBin ??= kubectlBinary();
  const cacheDir = await mkdtemp(join(tmpdir(), 'portside-kubectl-cache-'));
  t.after(() => rm(cacheDir, { recursive: true, force: true }));
  return kubectlFor(await kubectlBin, cp.kubeconfigPath, cacheDir);
}

/** Everything the install and the configuration hold, as a user's repository has them. */
async function everything(): Promise<KubeObject[]> {
  return [...(await build(INSTALL)), ...(await build(CONFIGURATION))];
}

async function assertConverged(kubectl: Kubectl, fieldManager: string): Promise<void> {
  const objects = await everything();
  const got = await mustRun(kubectl, ['get', '-o', 'name', '-f', '-'], yamlStream(objects));
  assert.equal(got.trim().split('\n').length, objects.length, `every object exists:\n${got}`);
  assert.equal(await serverSideDiff(kubectl, objects, fieldManager), '', 'a second sync would change nothing');
}

test('Argo CD: the app of apps in config/gitops/argocd, synced in its declared waves, converges in one sync', async (t) => {
  const kubectl = await emptyCluster(t);
  if (!kubectl) return;
  const order = argoApplicationOrder(await build('config/gitops/argocd'));
  assert.deepEqual(order.map((a) => a.path), [INSTALL, CONFIGURATION], 'install first, configuration second, by their waves');
  // The other way round fails: the configuration's kinds do not exist before the install.
  await assert.rejects(syncArgoApplication(kubectl, order[1]!.name, order[1]!.path), NO_MATCH);
  const steps = await syncArgoAppOfApps(kubectl, 'config/gitops/argocd');
  t.diagnostic(steps.map((s) => `${s.source} ${s.what}: ${s.objects.length} objects`).join('; '));
  await assertConverged(kubectl, 'argocd-controller');
});

test('Flux: the Kustomizations in config/gitops/flux, in dependsOn order, converge in one sync', async (t) => {
  const kubectl = await emptyCluster(t);
  if (!kubectl) return;
  const order = fluxOrder(await build('config/gitops/flux'));
  assert.deepEqual(order.map((k) => k.path), [INSTALL, CONFIGURATION], 'install first, configuration second, by dependsOn');
  await assert.rejects(syncFluxKustomization(kubectl, order[1]!.name, order[1]!.path), NO_MATCH);
  const steps = await syncFlux(kubectl, 'config/gitops/flux');
  t.diagnostic(steps.map((s) => `${s.source} ${s.what}: ${s.objects.length} objects`).join('; '));
  await assertConverged(kubectl, 'kustomize-controller');
});

test('one kustomization holding the install and the pools (config/gitops/single) converges in one Argo CD or Flux sync', async (t) => {
  const argo = await emptyCluster(t);
  if (!argo) return;
  await syncArgoApplication(argo, 'portside', SINGLE);
  await assertConverged(argo, 'argocd-controller');
  const flux = (await emptyCluster(t))!;
  await syncFluxKustomization(flux, 'portside', SINGLE);
  await assertConverged(flux, 'kustomize-controller');
});

test('one plain `kubectl apply --server-side` of the install and the pools fails saying what to do; the README\'s two steps converge', async (t) => {
  for (const args of [
    ['-f', 'config/manifests/portside.yaml', '-f', `${CONFIGURATION}/pools.yaml`],
    ['-k', SINGLE],
  ]) {
    const kubectl = await emptyCluster(t);
    if (!kubectl) return;
    const once = await kubectl(['apply', '--server-side', ...args]);
    assert.notEqual(once.code, 0, `kubectl apply ${args.join(' ')} cannot succeed in one pass`);
    const failed = [...once.stderr.matchAll(new RegExp(NO_MATCH, 'g'))].map((m) => m[1]).sort();
    assert.deepEqual(failed, ['IPAddressPool', 'L2Advertisement'], `only the configuration failed:\n${once.stderr}`);
    assert.match(once.stderr, /ensure CRDs are installed first/);
    // Everything else went in: the install is whole, and the message's advice is all that is left.
    assert.equal(await serverSideDiff(kubectl, await build(INSTALL)), '', 'the install was applied whole');
    // The README's steps: the install (done above), its CRDs Established, then the configuration.
    await mustRun(kubectl, ['wait', '--for=condition=Established', '--timeout=60s', 'crd', '--all']);
    const second = await applyServerSide(kubectl, await build(CONFIGURATION), 'kubectl');
    assert.equal(second.code, 0, second.stderr);
    await assertConverged(kubectl, 'kubectl');
  }
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../hack/render/objects.ts';
import { argoApplicationOrder, argoWaves, fluxOrder, fluxStages, SYNC_WAVE } from './sync-order.ts';

const obj = (kind: string, name: string, extra: Partial<KubeObject> & { wave?: string } = {}): KubeObject => {
  const { wave, ...rest } = extra;
  return {
    apiVersion: 'v1', kind, ...rest,
    metadata: { name, ...(wave === undefined ? {} : { annotations: { [SYNC_WAVE]: wave } }) },
  };
};
const app = (name: string, wave: string | undefined, path: string): KubeObject =>
  obj('Application', name, { apiVersion: 'argoproj.io/v1alpha1', spec: { source: { path } }, ...(wave === undefined ? {} : { wave }) });
const ks = (name: string, path: string, dependsOn: string[] = []): KubeObject =>
  obj('Kustomization', name, { apiVersion: 'kustomize.toolkit.fluxcd.io/v1', spec: { path, dependsOn: dependsOn.map((n) => ({ name: n })) } });

test('Argo CD waves: ascending (negative and missing = 0 included), kinds in gitops-engine order inside one', () => {
  const waves = argoWaves([obj('IPAddressPool', 'a', { wave: '1' }), obj('Deployment', 'd'), obj('CustomResourceDefinition', 'c'), obj('Namespace', 'n', { wave: '-1' })]);
  assert.deepEqual(waves.map((w) => [w.wave, w.objects.map((o) => o.kind)]), [
    [-1, ['Namespace']], [0, ['CustomResourceDefinition', 'Deployment']], [1, ['IPAddressPool']],
  ]);
  assert.throws(() => argoWaves([obj('Secret', 's', { wave: 'soon' })]), /not an integer/);
});

test('an app of apps syncs its Applications by their own waves', () => {
  const order = argoApplicationOrder([app('config', '1', 'c'), app('install', '0', 'i'), obj('ConfigMap', 'x')]);
  assert.deepEqual(order, [{ name: 'install', path: 'i' }, { name: 'config', path: 'c' }]);
  assert.throws(() => argoApplicationOrder([obj('Application', 'bad', { apiVersion: 'argoproj.io/v1alpha1' })]), /no spec.source.path/);
});

test('Flux: dependsOn first, ./ dropped; a cycle or a missing dependency is an error', () => {
  assert.deepEqual(fluxOrder([ks('a-config', './c', ['z-install']), ks('z-install', './i')]), [
    { name: 'z-install', path: 'i' }, { name: 'a-config', path: 'c' },
  ]);
  assert.throws(() => fluxOrder([ks('a', 'a', ['b']), ks('b', 'b', ['a'])]), /cycle/);
  assert.throws(() => fluxOrder([ks('a', 'a', ['gone'])]), /not there/);
});

test('Flux staged apply: cluster definitions, then class definitions, then the rest; empty stages dropped', () => {
  const stages = fluxStages([obj('Deployment', 'd'), obj('CustomResourceDefinition', 'c'), obj('Namespace', 'n'), obj('IPAddressPool', 'p')]);
  assert.deepEqual(stages.map((s) => s.map((o) => o.kind)), [['CustomResourceDefinition', 'Namespace'], ['Deployment', 'IPAddressPool']]);
});

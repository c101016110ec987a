// The order a GitOps tool syncs config/gitops/ in, read from the files themselves (pure):
// Argo CD's sync waves (Applications of an app of apps, then the objects of each), Flux's
// dependsOn between Kustomizations and its staged apply inside one. What each tool waits
// for between steps is the caller's (e2e/gitops/sync.ts).
import type { KubeObject } from '../../hack/render/objects.ts';
import { compareCodePoints } from '../../lib/order/index.ts';

export const SYNC_WAVE = 'argocd.argoproj.io/sync-wave';

/** One thing to sync: a name and the repository path its objects are built from. */
export interface SyncSource {
  name: string;
  path: string;
}

function wave(o: KubeObject): number {
  const text = (o.metadata.annotations as Record<string, string> | undefined)?.[SYNC_WAVE] ?? '0';
  const n = Number(text);
  if (!Number.isInteger(n)) throw new Error(`${o.kind} ${o.metadata.name}: ${SYNC_WAVE} "${text}" is not an integer`);
  return n;
}

// gitops-engine's kind order inside one wave (pkg/sync/sync_tasks.go), the kinds Portside has.
const ARGO_KIND_ORDER = [
  'Namespace', 'ServiceAccount', 'Secret', 'ConfigMap', 'CustomResourceDefinition', 'ClusterRole',
  'ClusterRoleBinding', 'Role', 'RoleBinding', 'Service', 'DaemonSet', 'Deployment',
];
const kindRank = (kind: string): number => {
  const i = ARGO_KIND_ORDER.indexOf(kind);
  return i < 0 ? ARGO_KIND_ORDER.length : i;
};

/** Objects in Argo CD's waves: ascending wave; inside one, kind order then name. */
export function argoWaves(objects: readonly KubeObject[]): { wave: number; objects: KubeObject[] }[] {
  const byWave = new Map<number, KubeObject[]>();
  for (const o of objects) byWave.set(wave(o), [...(byWave.get(wave(o)) ?? []), o]);
  return [...byWave.keys()].sort((a, b) => a - b).map((w) => ({
    wave: w,
    objects: byWave.get(w)!.slice().sort((a, b) => kindRank(a.kind) - kindRank(b.kind) || compareCodePoints(a.metadata.name, b.metadata.name)),
  }));
}

/** An app of apps' Applications in the order the parent syncs them (their own waves). */
export function argoApplicationOrder(objects: readonly KubeObject[]): SyncSource[] {
  const apps = objects.filter((o) => o.kind === 'Application' && o.apiVersion.startsWith('argoproj.io/'));
  return argoWaves(apps).flatMap((w) => w.objects.map((o) => {
    const path = (o.spec as { source?: { path?: string } } | undefined)?.source?.path;
    if (!path) throw new Error(`Application ${o.metadata.name} has no spec.source.path`);
    return { name: o.metadata.name, path };
  }));
}

/** Flux Kustomizations in an order that honours every dependsOn; throws on a cycle or a missing one. */
export function fluxOrder(objects: readonly KubeObject[]): SyncSource[] {
  const ks = objects.filter((o) => o.kind === 'Kustomization' && o.apiVersion.startsWith('kustomize.toolkit.fluxcd.io/'));
  const spec = (o: KubeObject) => o.spec as { path?: string; dependsOn?: { name: string }[] } | undefined;
  const byName = new Map(ks.map((o) => [o.metadata.name, o]));
  const out: SyncSource[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, from: string): void => {
    const o = byName.get(name);
    if (!o) throw new Error(`Kustomization ${from} dependsOn ${name}, which is not there`);
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') throw new Error(`dependsOn cycle through ${name}`);
    state.set(name, 'visiting');
    for (const d of spec(o)?.dependsOn ?? []) visit(d.name, name);
    state.set(name, 'done');
    const path = spec(o)?.path;
    if (!path) throw new Error(`Kustomization ${name} has no spec.path`);
    out.push({ name, path: path.replace(/^\.\//, '') });
  };
  for (const name of [...byName.keys()].sort(compareCodePoints)) visit(name, name);
  return out;
}

// kustomize-controller's staged apply (fluxcd/pkg/ssa ApplyAllStaged): cluster
// definitions first, then class definitions, each stage waited on, then the rest.
const FLUX_STAGES: readonly (readonly string[])[] = [
  ['CustomResourceDefinition', 'Namespace', 'ClusterRole', 'ClusterRoleBinding'],
  ['StorageClass', 'IngressClass', 'RuntimeClass', 'PriorityClass'],
];

/** One Flux Kustomization's objects as kustomize-controller applies them: non-empty stages in order. */
export function fluxStages(objects: readonly KubeObject[]): KubeObject[][] {
  const stageOf = (o: KubeObject): number => {
    const i = FLUX_STAGES.findIndex((kinds) => kinds.includes(o.kind));
    return i < 0 ? FLUX_STAGES.length : i;
  };
  const stages: KubeObject[][] = Array.from({ length: FLUX_STAGES.length + 1 }, () => []);
  for (const o of objects) stages[stageOf(o)]!.push(o);
  return stages.filter((s) => s.length > 0);
}

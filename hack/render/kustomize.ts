// The part of `kustomize build` that config/ uses, so the rendered manifests need no
// kustomize binary: a Kustomization's `resources` (files and other kustomization
// directories), recursively, in kustomize's legacy output order. Any other field is an
// error, not silently ignored: using a new kustomize feature means teaching this first.
import { join, relative, resolve } from 'node:path';
import { parse } from 'yaml';
import { idOf, parseObjects } from './objects.ts';
import type { KubeObject, ReadText } from './objects.ts';

const ALLOWED_FIELDS = new Set(['apiVersion', 'kind', 'resources']);

// kustomize api/resid/gvk.go: kinds sorted first and last by `--reorder legacy` (the default).
const ORDER_FIRST = [
  'Namespace', 'ResourceQuota', 'StorageClass', 'CustomResourceDefinition', 'ServiceAccount',
  'PodSecurityPolicy', 'Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding', 'ConfigMap',
  'Secret', 'Endpoints', 'Service', 'LimitRange', 'PriorityClass', 'PersistentVolume',
  'PersistentVolumeClaim', 'Deployment', 'StatefulSet', 'CronJob', 'PodDisruptionBudget',
];
const ORDER_LAST = ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'];

function kindRank(kind: string): number {
  const first = ORDER_FIRST.indexOf(kind);
  if (first >= 0) return first - ORDER_FIRST.length;
  const last = ORDER_LAST.indexOf(kind);
  return last >= 0 ? last + 1 : 0;
}

// kustomize's Gvk.String(): group_version_kind, "~G"/"~V"/"~K" for empty parts.
function gvkString(o: KubeObject): string {
  const slash = o.apiVersion.indexOf('/');
  const group = slash < 0 ? '' : o.apiVersion.slice(0, slash);
  const version = slash < 0 ? o.apiVersion : o.apiVersion.slice(slash + 1);
  return `${group || '~G'}_${version || '~V'}_${o.kind || '~K'}`;
}

/** kustomize's legacy order: by kind rank, then GVK string, then namespace and name. */
export function legacyOrder(a: KubeObject, b: KubeObject): number {
  const byRank = kindRank(a.kind) - kindRank(b.kind);
  if (byRank !== 0) return byRank;
  const ga = gvkString(a);
  const gb = gvkString(b);
  if (ga !== gb) return ga < gb ? -1 : 1;
  const ia = `${a.metadata.namespace ?? ''}|${a.metadata.name}`;
  const ib = `${b.metadata.namespace ?? ''}|${b.metadata.name}`;
  return ia < ib ? -1 : ia > ib ? 1 : 0;
}

interface Kustomization {
  resources?: unknown;
  [field: string]: unknown;
}

async function collect(dir: string, read: ReadText, seen: Set<string>): Promise<KubeObject[]> {
  const file = join(dir, 'kustomization.yaml');
  if (seen.has(dir)) throw new Error(`${file}: kustomization cycle`);
  seen.add(dir);
  const k = (parse(await read(file)) ?? {}) as Kustomization;
  for (const field of Object.keys(k)) {
    if (!ALLOWED_FIELDS.has(field)) throw new Error(`${file}: field "${field}" is not supported by hack/render/kustomize.ts`);
  }
  const resources = k.resources ?? [];
  if (!Array.isArray(resources) || !resources.every((r) => typeof r === 'string')) {
    throw new Error(`${file}: resources must be a list of paths`);
  }
  const out: KubeObject[] = [];
  for (const entry of resources) {
    const path = resolve(dir, entry);
    const isFile = /\.ya?ml$/.test(entry);
    if (isFile) {
      // kustomize's default load restrictor: files only from inside the kustomization root.
      if (relative(dir, path).startsWith('..')) throw new Error(`${file}: ${entry} is outside the kustomization root`);
      out.push(...parseObjects(await read(path), path));
    } else {
      out.push(...(await collect(path, read, new Set(seen))));
    }
  }
  return out;
}

/** `kustomize build dir` for the subset above; throws on duplicate objects like kustomize. */
export async function kustomizeBuild(dir: string, read: ReadText): Promise<KubeObject[]> {
  const objects = await collect(resolve(dir), read, new Set());
  const ids = new Set<string>();
  for (const o of objects) {
    const id = idOf(o);
    if (ids.has(id)) throw new Error(`${dir}: ${id} appears twice`);
    ids.add(id);
  }
  return objects.sort(legacyOrder);
}

// The real kustomize (`kubectl kustomize`) and helm, when this machine has them, to check
// the subset renderers against. Nothing here downloads or builds: helm comes from PATH,
// $HELM, or the cache hack/render/helm.sh fills.
import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseObjects } from './objects.ts';
import type { KubeObject } from './objects.ts';

const run = promisify(execFile);
export const HELM_VERSION = 'v3.22.0';
export const KUBE_VERSION = '1.36.0';

async function executable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(() => true, () => false);
}

async function onPath(name: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && (await executable(join(dir, name)))) return join(dir, name);
  }
  return undefined;
}

/** A helm binary, or undefined when there is none here (run hack/render/helm.sh to build one). */
export async function findHelm(): Promise<string | undefined> {
  const cacheRoot = process.env.PORTSIDE_CACHE_DIR
    ?? join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'portside');
  for (const candidate of [process.env.HELM, join(cacheRoot, `helm-${HELM_VERSION}`, 'helm')]) {
    if (candidate && (await executable(candidate))) return candidate;
  }
  return onPath('helm');
}

/** `kubectl kustomize dir`, or undefined when kubectl is not installed. */
export async function realKustomize(dir: string): Promise<KubeObject[] | undefined> {
  const kubectl = await onPath('kubectl');
  if (!kubectl) return undefined;
  const { stdout } = await run(kubectl, ['kustomize', dir], { maxBuffer: 64 << 20 });
  return parseObjects(stdout, `kubectl kustomize ${dir}`);
}

/** `helm template` with `--set` pairs (templates only, no CRDs). */
export async function helmTemplate(
  helm: string, chartDir: string, opts: { releaseName: string; namespace: string; set?: string[] },
): Promise<KubeObject[]> {
  // A helm built by `go install` assumes Kubernetes v1.20 unless told; the chart needs >= 1.30.
  const args = ['template', opts.releaseName, chartDir, '--namespace', opts.namespace, '--kube-version', KUBE_VERSION];
  for (const s of opts.set ?? []) args.push('--set', s);
  const { stdout } = await run(helm, args, { maxBuffer: 64 << 20 });
  return parseObjects(stdout, `helm ${args.join(' ')}`);
}

/** `helm lint --strict`; throws with helm's output when the chart fails. */
export async function helmLint(helm: string, chartDir: string, set: string[] = []): Promise<void> {
  const args = ['lint', '--strict', chartDir, '--kube-version', KUBE_VERSION];
  for (const s of set) args.push('--set', s);
  await run(helm, args, { maxBuffer: 16 << 20 });
}

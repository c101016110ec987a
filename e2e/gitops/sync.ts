// Syncs config/gitops/ the way Argo CD and Flux do, with the real kustomize and kubectl
// against a real kube-apiserver: each step's objects are `kustomize build <path>` and go
// in with one `kubectl apply --server-side` under the tool's field manager, in the order
// e2e/gitops/sync-order.ts reads from the files. Between steps it waits for what the
// apiserver alone can make healthy (CRDs Established); Deployments and DaemonSets need
// nodes, which an apiserver test has not.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ROOT } from '../../hack/render/generated.ts';
import { idOf, parseObjects } from '../../hack/render/objects.ts';
import type { KubeObject } from '../../hack/render/objects.ts';
import { kustomizeBuild } from '../../hack/render/tools.ts';
import { ControlPlaneUnavailable } from '../controlplane.ts';
import { argoApplicationOrder, argoWaves, fluxOrder, fluxStages } from './sync-order.ts';

export interface Run { code: number; stdout: string; stderr: string }
export type Kubectl = (args: readonly string[], input?: string) => Promise<Run>;

function runProcess(bin: string, args: readonly string[], env: NodeJS.ProcessEnv, input = ''): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { env, cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => { stdout += c; });
    child.stderr.setEncoding('utf8').on('data', (c: string) => { stderr += c; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.on('error', () => undefined); // it exited without reading: its exit code says why
    child.stdin.end(input);
  });
}

/** The real kubectl that hack/controlplane/build.sh builds with the node binaries (cached). */
export async function kubectlBinary(): Promise<string> {
  const out = await runProcess('bash', [join(ROOT, 'hack/controlplane/build.sh'), 'nodes'], process.env);
  const dir = out.stdout.trim().split('\n').pop();
  if (out.code !== 0 || !dir) throw new ControlPlaneUnavailable(`hack/controlplane/build.sh nodes failed: ${out.stderr.trim().split('\n').slice(-5).join('\n')}`);
  return join(dir, 'kubectl');
}

/**
 * kubectl for one cluster, as a fresh client: its own discovery cache (`cacheDir`), since a
 * cache warm from an earlier install knows kinds an empty cluster has not. Never throws on a
 * non-zero exit (the caller reads the Run).
 */
export function kubectlFor(bin: string, kubeconfigPath: string, cacheDir: string): Kubectl {
  const env = { ...process.env, KUBECONFIG: kubeconfigPath, KUBECACHEDIR: cacheDir };
  return (args, input) => runProcess(bin, args, env, input);
}

export async function mustRun(kubectl: Kubectl, args: readonly string[], input?: string): Promise<string> {
  const r = await kubectl(args, input);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}:\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

export const yamlStream = (objects: readonly KubeObject[]): string => objects.map((o) => stringify(o)).join('---\n');

/** `kustomize build` of a path in the repository. */
export async function build(path: string): Promise<KubeObject[]> {
  return parseObjects(await kustomizeBuild(join(ROOT, path)), `kustomize build ${path}`);
}

export async function applyServerSide(kubectl: Kubectl, objects: readonly KubeObject[], fieldManager: string, extra: readonly string[] = []): Promise<Run> {
  return kubectl(['apply', '--server-side', `--field-manager=${fieldManager}`, ...extra, '-f', '-'], yamlStream(objects));
}

/** What Argo CD and Flux wait for before the next wave or Kustomization, as far as an apiserver alone gets. */
export async function waitHealthy(kubectl: Kubectl, objects: readonly KubeObject[]): Promise<void> {
  const crds = objects.filter((o) => o.kind === 'CustomResourceDefinition').map((o) => `crd/${o.metadata.name}`);
  if (crds.length > 0) await mustRun(kubectl, ['wait', '--for=condition=Established', '--timeout=60s', ...crds]);
}

export interface SyncStep { source: string; what: string; objects: KubeObject[] }

const skipsDryRun = (o: KubeObject): boolean =>
  ((o.metadata.annotations as Record<string, string> | undefined)?.['argocd.argoproj.io/sync-options'] ?? '')
    .split(',').map((s) => s.trim()).includes('SkipDryRunOnMissingResource=true');

/**
 * One Argo CD Application: a dry run of every object not marked SkipDryRunOnMissingResource
 * (client-side, as gitops-engine's applyObject makes it whatever the sync mode: it needs
 * each object's kind to be known; Argo CD refuses the sync if one fails), then wave by
 * wave, each applied and healthy before the next.
 */
export async function syncArgoApplication(kubectl: Kubectl, name: string, path: string, steps: SyncStep[] = []): Promise<SyncStep[]> {
  const objects = await build(path);
  const checked = objects.filter((o) => !skipsDryRun(o));
  const dry = checked.length === 0 ? undefined : await kubectl(['apply', '--dry-run=client', '-f', '-'], yamlStream(checked));
  if (dry && dry.code !== 0) throw new Error(`Argo CD Application ${name}: the dry run fails:\n${dry.stderr}`);
  for (const w of argoWaves(objects)) {
    await mustRun(kubectl, ['apply', '--server-side', '--field-manager=argocd-controller', '-f', '-'], yamlStream(w.objects));
    await waitHealthy(kubectl, w.objects);
    steps.push({ source: name, what: `wave ${w.wave}`, objects: w.objects });
  }
  return steps;
}

/** An app of apps (a kustomization of Applications): each Application in its wave order. */
export async function syncArgoAppOfApps(kubectl: Kubectl, path: string): Promise<SyncStep[]> {
  const steps: SyncStep[] = [];
  for (const app of argoApplicationOrder(await build(path))) await syncArgoApplication(kubectl, app.name, app.path, steps);
  return steps;
}

/** One Flux Kustomization: kustomize-controller's stages, each applied and waited on. */
export async function syncFluxKustomization(kubectl: Kubectl, name: string, path: string, steps: SyncStep[] = []): Promise<SyncStep[]> {
  for (const [i, stage] of fluxStages(await build(path)).entries()) {
    await mustRun(kubectl, ['apply', '--server-side', '--field-manager=kustomize-controller', '-f', '-'], yamlStream(stage));
    await waitHealthy(kubectl, stage);
    steps.push({ source: name, what: `stage ${i + 1}`, objects: stage });
  }
  return steps;
}

/** A directory of Flux Kustomizations: in dependsOn order, each Ready before its dependants. */
export async function syncFlux(kubectl: Kubectl, path: string): Promise<SyncStep[]> {
  const steps: SyncStep[] = [];
  for (const k of fluxOrder(await build(path))) await syncFluxKustomization(kubectl, k.name, k.path, steps);
  return steps;
}

/**
 * `kubectl diff --server-side --force-conflicts` of the objects (Flux and Argo CD apply with
 * force too): '' when applying them would change nothing.
 */
export async function serverSideDiff(kubectl: Kubectl, objects: readonly KubeObject[], fieldManager = 'kubectl'): Promise<string> {
  const r = await kubectl(['diff', '--server-side', '--force-conflicts', `--field-manager=${fieldManager}`, '-f', '-'], yamlStream(objects));
  // kubectl diff: 0 no differences, 1 differences, >1 kubectl or diff failed.
  if (r.code > 1) throw new Error(`kubectl diff exited ${r.code}: ${r.stderr}`);
  return r.code === 0 ? '' : r.stdout || r.stderr || '(differences)';
}

export const ids = (objects: readonly KubeObject[]): string[] => objects.map(idOf).sort();

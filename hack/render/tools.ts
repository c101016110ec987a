// The real `kustomize` and `helm`, as hack/tools/build.sh builds them from the Go module
// proxy into the cache outside the clone (warm: it only prints the directory). There is
// no fallback: without the tools the manifests cannot be rendered or checked.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { parseObjects } from './objects.ts';
import type { KubeObject } from './objects.ts';

const BUILD_SCRIPT = new URL('../tools/build.sh', import.meta.url).pathname;
/** The Kubernetes version charts are rendered for: the test control plane's minor. */
export const KUBE_VERSION = '1.36.0';

export interface Tools { helm: string; kustomize: string }

let built: Promise<Tools> | undefined;

/** Runs hack/tools/build.sh, its progress on our stderr; resolves to the directory it prints. */
function buildScript(): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [BUILD_SCRIPT], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
    child.on('error', reject);
    child.on('close', (code) => {
      const dir = stdout.trim().split('\n').pop() ?? '';
      if (code === 0 && dir) resolve(dir);
      else reject(new Error(`hack/tools/build.sh exited ${code} (its output is above): no helm and kustomize; run \`make deps\``));
    });
  });
}

/** The tools' paths; builds them on first use (minutes, once per machine). */
export function tools(): Promise<Tools> {
  built ??= buildScript().then((dir) => ({ helm: join(dir, 'helm'), kustomize: join(dir, 'kustomize') }));
  return built;
}

/** Runs a tool, `input` on its stdin; its stdout, or an error with everything it printed. */
function runTool(bin: string, args: string[], input = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
    child.on('error', reject);
    child.on('close', (code) => {
      // helm lint reports its findings on stdout, everything else on stderr.
      if (code === 0) resolve(stdout);
      else reject(new Error(`${bin} ${args.join(' ')} exited ${code}:\n${`${stdout}${stderr}`.trim()}`));
    });
    child.stdin.end(input);
  });
}

/** `kustomize build dir`: the YAML stream as kustomize prints it. */
export async function kustomizeBuild(dir: string): Promise<string> {
  return runTool((await tools()).kustomize, ['build', dir]);
}

export interface ChartOptions {
  releaseName: string;
  namespace: string;
  /** Merged over values.yaml as `helm --values` merges a file. */
  values?: Record<string, unknown>;
}

// The values go in as JSON on stdin (`--values -`): JSON is YAML, and nothing is quoted.
function chartArgs(chartDir: string): string[] {
  // Pinned, so the output does not move with the client-go helm was built against.
  return [chartDir, '--kube-version', KUBE_VERSION, '--values', '-'];
}

/** `helm template` (templates only: helm leaves crds/ out without --include-crds). */
export async function helmTemplate(chartDir: string, opts: ChartOptions): Promise<KubeObject[]> {
  const args = ['template', opts.releaseName, ...chartArgs(chartDir), '--namespace', opts.namespace];
  const values = JSON.stringify(opts.values ?? {});
  return parseObjects(await runTool((await tools()).helm, args, values), `helm ${args.join(' ')} <<< '${values}'`);
}

/** `helm lint --strict`; throws with helm's findings when the chart has one. */
export async function helmLint(chartDir: string, values: Record<string, unknown> = {}): Promise<string> {
  return runTool((await tools()).helm, ['lint', '--strict', ...chartArgs(chartDir)], JSON.stringify(values));
}

/** The versions the binaries report (`helm version`, `kustomize version`). */
export async function toolVersions(): Promise<{ helm: string; kustomize: string }> {
  const t = await tools();
  const [helm, kustomize] = await Promise.all([
    runTool(t.helm, ['version', '--template', '{{.Version}}']),
    runTool(t.kustomize, ['version']),
  ]);
  return { helm: helm.trim(), kustomize: kustomize.trim() };
}

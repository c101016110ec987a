// `portside explain …` and `portside status`: read the API once, diagnose (pure), print.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { KubeApi, KubeConfigError, loadKubeConfig } from '../lib/k8s/index.ts';
import { EXPLAIN_USAGE, parseExplainArgs } from './args.ts';
import type { ExplainArgs } from './args.ts';
import { fetchSnapshot } from './fetch.ts';
import { explainPool } from './pool.ts';
import { renderPool, renderService, renderStatus, styleFor } from './render.ts';
import { explainService } from './service.ts';
import { clusterStatus } from './status.ts';
import { EXIT_UNHEALTHY, EXIT_USAGE, exitCode } from './verdict.ts';

export interface Output {
  out: (text: string) => void;
  err: (text: string) => void;
  isTTY: boolean | undefined;
}

const STDIO: Output = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  isTTY: process.stdout.isTTY,
};

/** kubectl's order, with the in-cluster account before ~/.kube/config. */
function kubeconfigPath(args: ExplainArgs, env: NodeJS.ProcessEnv): string | undefined {
  if (args.kubeconfig || env.KUBECONFIG || env.KUBERNETES_SERVICE_HOST) return args.kubeconfig;
  const home = join(env.HOME || homedir(), '.kube', 'config');
  return existsSync(home) ? home : undefined;
}

export async function runExplain(command: string, argv: string[], env: NodeJS.ProcessEnv, io: Output = STDIO): Promise<number> {
  const parsed = parseExplainArgs(command, argv, env);
  if (parsed.ok === 'help') {
    io.out(`${EXPLAIN_USAGE}\n`);
    return 0;
  }
  if (!parsed.ok) {
    io.err(`portside ${command}: ${parsed.error}\n\n${EXPLAIN_USAGE}\n`);
    return EXIT_USAGE;
  }
  const args = parsed.args;
  let api: KubeApi;
  let contextNamespace: string | undefined;
  try {
    const { config } = await loadKubeConfig({ kubeconfig: kubeconfigPath(args, env), env });
    contextNamespace = config.namespace;
    api = new KubeApi(config);
  } catch (err) {
    if (!(err instanceof KubeConfigError)) throw err;
    io.err(`portside ${command}: ${err.message}\n`);
    return EXIT_UNHEALTHY;
  }
  try {
    const q = args.question;
    const service = q.what === 'service' ? `${q.namespace ?? contextNamespace ?? 'default'}/${q.name}` : undefined;
    const snapshot = await fetchSnapshot(api, { installNamespace: args.portsideNamespace, ...(service ? { service } : {}) });
    const style = styleFor(io.isTTY, env);
    const json = args.output === 'json';
    let report: { verdict: { healthy: boolean; summary: string; next: string } };
    let text: string;
    if (service) {
      const r = explainService(snapshot, service);
      [report, text] = [r, json ? '' : renderService(r, style)];
    } else if (q.what === 'pool') {
      const r = explainPool(snapshot, q.name);
      [report, text] = [r, json ? '' : renderPool(r, style)];
    } else {
      const r = clusterStatus(snapshot);
      [report, text] = [r, json ? '' : renderStatus(r, style)];
    }
    io.out(json ? `${JSON.stringify(report, null, 2)}\n` : text);
    return exitCode(report.verdict);
  } catch (err) {
    io.err(`portside ${command}: cannot read the API at ${api.server}: ${(err as Error).message.split('\n')[0]}\n`);
    return EXIT_UNHEALTHY;
  } finally {
    await api.close();
  }
}

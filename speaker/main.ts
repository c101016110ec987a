// `portside speaker`: flags → kubeconfig → API connections → metrics/health → Speaker;
// SIGTERM/SIGINT run the graceful shutdown (GRACEFUL_SHUTDOWN community for
// PORTSIDE_GRACEFUL_SHUTDOWN_MS, then withdraw and Cease). Everything stateful is made here.
import type { V1OwnerReference } from '@kubernetes/client-node';
import { parseSpeakerFlags } from '../lib/cli/flags.ts';
import { checkApiReachable, KubeApi, loadKubeConfig } from '../lib/k8s/index.ts';
import { createLogger } from '../lib/log/index.ts';
import { createRegistry, startMetricsServer } from '../lib/metrics/index.ts';
import { Speaker } from './speaker.ts';

function podOwner(env: NodeJS.ProcessEnv): V1OwnerReference | undefined {
  if (!env.POD_NAME || !env.POD_UID) return undefined;
  return { apiVersion: 'v1', kind: 'Pod', name: env.POD_NAME, uid: env.POD_UID };
}

export async function runSpeaker(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const parsed = parseSpeakerFlags(args, env);
  if (!parsed.ok) {
    console.error(`portside speaker: ${parsed.error}`);
    return 2;
  }
  const flags = parsed.flags;
  const log = createLogger({ component: 'speaker', level: flags.logLevel });
  let api: KubeApi;
  try {
    api = new KubeApi(loadKubeConfig({ kubeconfig: flags.kubeconfig, env }).kc);
    await checkApiReachable(api);
  } catch (err) {
    console.error(`portside speaker: cannot reach the Kubernetes API: ${(err as Error).message}`);
    return 1;
  }
  const registry = createRegistry({ defaultMetricsPrefix: 'portside_speaker_' });
  const owner = podOwner(env);
  const speaker = new Speaker({
    api,
    namespace: flags.namespace,
    nodeName: flags.nodeName,
    lbClass: flags.lbClass,
    livenessPort: flags.livenessPort,
    log,
    registry,
    ...(owner ? { owner } : {}),
    ...(flags.livenessTimeoutMs !== undefined ? { livenessTimeoutMs: flags.livenessTimeoutMs } : {}),
    ...(flags.bgpPort !== undefined ? { bgp: { listenPort: flags.bgpPort } } : {}),
  });
  const server = await startMetricsServer({
    addr: flags.metricsAddr,
    registries: [registry],
    liveness: { process: () => true },
    readiness: { speaker: () => speaker.isReady() || 'waiting for informers and the first plan' },
  });
  log.info('started', {
    node: flags.nodeName, namespace: flags.namespace, lbClass: flags.lbClass ?? null,
    metrics: `${server.address.address}:${server.address.port}`, livenessPort: flags.livenessPort,
  });

  const graceMs = flags.gracefulShutdownMs;
  let stopping = false;
  const shutdown = async (code: number, signal?: string): Promise<never> => {
    if (!stopping) {
      stopping = true;
      log.info('stopping', { signal, graceMs });
      await speaker.stop(graceMs).catch((err: unknown) => log.error('stop_failed', { err }));
      await server.close().catch(() => undefined);
      log.info('stopped', {});
    }
    process.exit(code);
  };
  process.on('SIGTERM', () => void shutdown(0, 'SIGTERM'));
  process.on('SIGINT', () => void shutdown(0, 'SIGINT'));
  speaker.start().catch((err: unknown) => {
    log.error('start_failed', { err });
    void shutdown(1);
  });
  return new Promise<number>(() => undefined);
}

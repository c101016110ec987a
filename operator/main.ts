// `portside controller`: flags → kubeconfig → API connections → metrics/health → (leader
// election) → Controller. Everything stateful is made here and passed down.
import { hostname } from 'node:os';
import { parseControllerFlags } from '../lib/cli/flags.ts';
import { checkApiReachable, KubeApi, LeaseElector, loadKubeConfig } from '../lib/k8s/index.ts';
import { createLogger } from '../lib/log/index.ts';
import { createRegistry, startMetricsServer, type MetricsServer } from '../lib/metrics/index.ts';
import { Controller } from './controller.ts';
import { LivenessKeyKeeper } from './liveness-key.ts';
import { ControllerMetrics } from './metrics.ts';

export async function runController(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const parsed = parseControllerFlags(args, env);
  if (!parsed.ok) {
    console.error(`portside controller: ${parsed.error}`);
    return 2;
  }
  const flags = parsed.flags;
  const log = createLogger({ component: 'controller', level: flags.logLevel });
  let api: KubeApi;
  try {
    api = new KubeApi((await loadKubeConfig({ kubeconfig: flags.kubeconfig, env })).config);
  } catch (err) {
    console.error(`portside controller: cannot reach the Kubernetes API: ${(err as Error).message}`);
    return 1;
  }
  // Asked while the informers already list (without leader election they start at once): a
  // round trip and a TLS handshake less before the first IP. Unreachable still ends the process.
  const reachable = checkApiReachable(api).then(() => undefined, (err: unknown) => err as Error);
  const registry = createRegistry({ defaultMetricsPrefix: 'portside_controller_' });
  const metrics = new ControllerMetrics(registry);
  const podName = env.POD_NAME;
  const controller = new Controller({ api, namespace: flags.namespace, lbClass: flags.lbClass, log, metrics, podName });
  const identity = podName ?? `${hostname()}-${process.pid}`;
  // The Deployment's name, as the manifests and the chart write it (also the Lease's).
  const livenessKey = new LivenessKeyKeeper({ api, namespace: flags.namespace, deployment: 'portside-controller', log });
  let elector: LeaseElector | undefined;
  /** Started once the API answered; shutdown may come before. */
  const metricsServer: { current?: MetricsServer } = {};

  let stopping = false;
  const shutdown = async (code: number): Promise<never> => {
    if (!stopping) {
      stopping = true;
      await controller.stop().catch(() => undefined);
      await livenessKey.stop().catch(() => undefined);
      await elector?.stop({ release: true }).catch(() => undefined);
      await metricsServer.current?.close().catch(() => undefined);
    }
    process.exit(code);
  };

  const lead = (): void => {
    metrics.leading(true);
    // Without leader election there is no lease to take: nothing to announce.
    if (flags.leaderElect) log.info('leading', { identity });
    // The liveness key once Services are being served: its reads do not delay the first IP.
    // Failures are logged and retried inside: the speakers keep their last key meanwhile.
    controller.start().then(() => void livenessKey.start(), (err: unknown) => {
      log.error('start_failed', { err });
      void shutdown(1);
    });
  };
  if (!flags.leaderElect) lead();
  const unreachable = await reachable;
  if (unreachable) {
    console.error(`portside controller: cannot reach the Kubernetes API: ${unreachable.message}`);
    await controller.stop().catch(() => undefined);
    return 1;
  }
  const server = await startMetricsServer({
    addr: flags.metricsAddr,
    registries: [registry],
    liveness: { process: () => true },
    readiness: {
      // A standby replica is ready: it serves metrics and waits for the lease.
      controller: () => !elector || !elector.isLeader() || controller.isReady() || 'adopting existing assignments',
    },
  });
  metricsServer.current = server;
  log.info('started', { identity, namespace: flags.namespace, lbClass: flags.lbClass ?? null, metrics: `${server.address.address}:${server.address.port}` });
  process.on('SIGTERM', () => void shutdown(0));
  process.on('SIGINT', () => void shutdown(0));

  if (flags.leaderElect) {
    elector = new LeaseElector(api, {
      namespace: flags.namespace,
      name: 'portside-controller',
      identity,
      leaseDurationMs: flags.lease.durationMs,
      renewDeadlineMs: flags.lease.renewDeadlineMs,
      retryPeriodMs: flags.lease.retryPeriodMs,
      onStartedLeading: lead,
      // Losing the lease stops allocation at once; a restart re-adopts safely.
      onStoppedLeading: () => {
        metrics.leading(false);
        if (stopping) return; // our own release on SIGTERM, not a loss
        log.error('lost_lease', { identity });
        void shutdown(1);
      },
      onNewLeader: (leader) => log.info('new_leader', { leader }),
      onError: (err) => log.warn('lease_error', { err }),
    }).start();
  }
  return new Promise<number>(() => undefined);
}

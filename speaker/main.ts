// `portside speaker`: flags → kubeconfig → API connections → metrics/health → restart
// marker → Speaker; SIGTERM/SIGINT stop it: a restart exit (graceful-restart peers keep our
// routes while the next speaker starts) or the graceful shutdown (GRACEFUL_SHUTDOWN
// community for PORTSIDE_GRACEFUL_SHUTDOWN_MS, then withdraw and Cease), as the node's state
// says (runtime/exit-mode.ts). Everything stateful is made here.
import type { V1OwnerReference } from '@kubernetes/client-node';
import { parseSpeakerFlags } from '../lib/cli/flags.ts';
import { checkApiReachable, KubeApi, loadKubeConfig } from '../lib/k8s/index.ts';
import { createLogger } from '../lib/log/index.ts';
import { createRegistry, startMetricsServer } from '../lib/metrics/index.ts';
import type { Logger } from '../lib/log/index.ts';
import { IprouteInterface } from './frr/interface-addresses.ts';
import { ReloadFiles } from './frr/reload-files.ts';
import { VtyshProcess } from './frr/vtysh.ts';
import { startMallocTrim } from './runtime/malloc-trim.ts';
import { RestartMarkerFile, restartedWithin } from './runtime/restart-marker.ts';
import { Speaker, type SpeakerOptions } from './speaker.ts';

/** How long an idle kept-alive API connection stays open (each TLS one holds ≈ 200 kB). */
const IDLE_SOCKET_MS = 30_000;

/** The restart marker in --state-dir: did the previous speaker of this node leave routes at peers? */
async function restartState(dir: string | undefined, node: string, log: Logger): Promise<SpeakerOptions['restart']> {
  if (!dir) return undefined;
  const marker = new RestartMarkerFile(dir, node);
  const read = await marker.read();
  if (!read.ok) log.warn('restart_marker_failed', { msg: `${read.error}: starting as a fresh speaker` });
  const found = read.ok ? read.marker : undefined;
  const restarted = found !== undefined && restartedWithin(found, node, Date.now());
  if (found && restarted) {
    log.info('bgp_graceful_restart_start', {
      planned: found.planned, peers: found.peers, ageMs: Date.now() - found.at, restartTime: found.restartTime,
      ...(found.bfdDownAfterMs ? { bfdDownAfterMs: found.bfdDownAfterMs } : {}),
      msg: `the previous speaker ${found.planned ? 'stopped for a restart' : 'stopped unexpectedly'}: opening with the Restart State bit, End-of-RIB after our routes`,
    });
  } else if (found) {
    log.info('restart_marker_expired', { at: new Date(found.at).toISOString(), node: found.node, msg: 'too old (or another node\'s): starting as a fresh speaker' });
  }
  return { marker, restarted, ...(restarted && found.bfdDownAfterMs ? { bfdDownAfterMs: found.bfdDownAfterMs } : {}) };
}

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
  // Before the informers' lists: glibc's trim threshold fixed, free pages given back now and then.
  startMallocTrim();
  const log = createLogger({ component: 'speaker', level: flags.logLevel });
  let api: KubeApi;
  try {
    // Connections opened for a burst of writes (status, Events) close once idle: the watches keep theirs.
    api = new KubeApi((await loadKubeConfig({ kubeconfig: flags.kubeconfig, env })).config, { idleSocketMs: IDLE_SOCKET_MS });
    await checkApiReachable(api);
  } catch (err) {
    console.error(`portside speaker: cannot reach the Kubernetes API: ${(err as Error).message}`);
    return 1;
  }
  const registry = createRegistry({ defaultMetricsPrefix: 'portside_speaker_' });
  const owner = podOwner(env);
  const backend = flags.bgpBackend;
  // frr and host-frr: FRR holds the routes across our restarts; the RFC 4724 marker is the native backend's.
  const restart = backend.kind === 'native' ? await restartState(flags.stateDir, flags.nodeName, log) : undefined;
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
    ...(restart ? { restart } : {}),
    ...(backend.kind === 'host-frr'
      ? {
        hostFrr: {
          vtysh: new VtyshProcess({ bin: backend.vtysh, socketDir: backend.vtySocket }),
          iface: new IprouteInterface(backend.interface, 'ip', backend.interfaceKind),
          exclude: backend.exclude,
          reconcileMs: backend.reconcileMs,
        },
      }
      : {}),
    ...(backend.kind === 'frr'
      ? {
        frr: {
          vtysh: new VtyshProcess({ bin: backend.vtysh, socketDir: backend.vtySocket }),
          files: new ReloadFiles(backend.configDir),
          pollMs: backend.pollMs,
        },
      }
      : {}),
  });
  const server = await startMetricsServer({
    addr: flags.metricsAddr,
    registries: [registry],
    liveness: { process: () => true },
    readiness: { speaker: () => speaker.isReady() || 'waiting for informers and the first plan' },
  });
  log.info('started', {
    node: flags.nodeName, namespace: flags.namespace, lbClass: flags.lbClass ?? null,
    metrics: `${server.address.address}:${server.address.port}`, livenessPort: flags.livenessPort, stateDir: flags.stateDir ?? null, bgpBackend: backend.kind,
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

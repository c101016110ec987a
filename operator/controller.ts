// Wires the controller: informers → level-based queue → AllocationReconciler → writes.
// Keys: `svc/<ns>/<name>`, `config` (the config kinds and the install namespace's Secrets),
// `pool/<name>`, `ns/<name>`.
import type { V1Namespace, V1Service } from '@kubernetes/client-node';
import { GROUP, VERSION } from '../crds/index.ts';
import { buildConfig } from '../lib/config/index.ts';
import type { Pool } from '../lib/config/index.ts';
import { ConfigInformers } from '../lib/config/informers.ts';
import { formatRange } from '../lib/ip/index.ts';
import {
  apiListWatch, customPath, EventRecorder, InformerSupervisor, isNotFound, objectKey, RequestPipeline, SERVICE_LIST, WorkQueue,
} from '../lib/k8s/index.ts';
import type { JsonClient, KubeApi } from '../lib/k8s/index.ts';
import type { Logger } from '../lib/log/index.ts';
import { configurationStatus } from '../lib/report/configuration-state.ts';
import type { ConfigurationStateStatus } from '../lib/report/configuration-state.ts';
import { ConfigurationStateWriter } from '../lib/report/configuration-state-writer.ts';
import type { ControllerMetrics } from './metrics.ts';
import { poolStatus } from './pool-status.ts';
import { AllocationReconciler } from './reconciler.ts';
import { ApiServiceWriter } from './writer.ts';
import type { ServiceWriter } from './writer.ts';

export interface ControllerOptions {
  /** The program's API connections, made in main. */
  api: KubeApi;
  namespace: string;
  lbClass: string | undefined;
  log: Logger;
  metrics: ControllerMetrics;
  /** Defaults to the API writer; tests may record instead. */
  writer?: ServiceWriter;
  podName?: string;
  /** Keys reconciled at once (allocation itself is synchronous; this overlaps the writes). Default 32. */
  workers?: number;
  /** Pool status is written at most once per this many ms per pool. Default 250. */
  poolStatusDelayMs?: number;
}

/** What of a pool the allocator acts on, as text (bigints do not JSON.stringify). */
function poolFingerprint(p: Pool): string {
  const ranges = p.ranges.map(formatRange).join(',');
  return `${ranges}|${p.autoAssign}|${p.avoidBuggyIPs}|${JSON.stringify(p.serviceAllocation ?? null)}`;
}

export class Controller {
  private readonly opts: ControllerOptions;
  private readonly services: InformerSupervisor<V1Service>;
  private readonly config: ConfigInformers;
  private readonly queue: WorkQueue;
  private readonly reconciler: AllocationReconciler;
  private readonly configState: ConfigurationStateWriter;
  private readonly json: JsonClient;
  private readonly apiWriter: ApiServiceWriter | undefined;
  /** The Services' writes: a connection each while they run (lib/k8s/pipeline.ts). */
  private readonly writes: RequestPipeline | undefined;
  private knownPools = new Set<string>();
  /** Pool name → the status last written (JSON), to skip writes that change nothing. */
  private poolStatusWritten = new Map<string, string>();
  private poolFingerprints = new Map<string, string>();
  private configStateWrites: Promise<void> = Promise.resolve();
  private adopted = false;
  /** The warnings last logged, so a rebuild that changes nothing does not log them again. */
  private warningsLogged = '[]';
  private started = false;
  private configBuilt = false;
  private allWorkers = false;
  private ready = false;

  constructor(opts: ControllerOptions) {
    this.opts = opts;
    const { api, log } = opts;
    this.queue = new WorkQueue({
      onError: (key, error, outcome, requeues) =>
        log.warn('reconcile_failed', { key, outcome, requeues, err: error }),
    });
    const enqueueService = (svc: V1Service): void => this.queue.add(`svc/${objectKey(svc)}`);
    this.services = new InformerSupervisor<V1Service>(apiListWatch<V1Service>(api, '/api/v1/services', {
      // Protobuf at start-up: the server answers in about half JSON's time and the decoder
      // reads the fields the controller knows (docs/benchmarks.md); JSON if it is refused.
      protobuf: SERVICE_LIST, cutManagedFields: true, onProtobufRefused: (err) => log.warn('protobuf_refused', { kind: 'services', err }),
    }), {
      onEvent: (e) => log.debug('informer', { kind: 'services', ...e }),
    }).on({
      add: enqueueService,
      // Our own status writes come back through the watch: 5,000 of them after a backlog.
      update: (_o, n) => this.reconciler.ownEcho(objectKey(n), n) || enqueueService(n),
      delete: enqueueService,
    });
    this.config = new ConfigInformers(api, {
      namespace: opts.namespace,
      namespaces: true,
      // As MetalLB's controller: a BGPPeer whose passwordSecret is missing makes the config invalid.
      secrets: true,
      // Until start() first builds the configuration, that build reads every change: the initial
      // lists need no second build (with thousands of Services waiting behind it).
      onChange: () => this.configBuilt && this.queue.add('config'),
      onEvent: (kind, e) => log.debug('informer', { kind, ...e }),
    });
    this.config.namespaces!.on({
      update: (o, n) => {
        if (JSON.stringify(o.metadata?.labels) !== JSON.stringify(n.metadata?.labels)) this.queue.add(`ns/${n.metadata?.name}`);
      },
    });
    const events = new EventRecorder(api, { component: 'portside-controller', instance: opts.podName, onError: (err) => log.debug('event_failed', { err }) });
    this.writes = opts.writer ? undefined : new RequestPipeline(api.json, { connections: opts.workers ?? 32 });
    this.apiWriter = this.writes && new ApiServiceWriter(this.writes, events);
    this.reconciler = new AllocationReconciler({
      lbClass: opts.lbClass,
      writer: opts.writer ?? this.apiWriter!,
      log,
      metrics: opts.metrics,
      namespaceLabels: (ns) => (this.config.namespaces!.get(ns) as V1Namespace | undefined)?.metadata?.labels ?? (this.config.namespaces!.get(ns) ? {} : undefined),
      configState: `${opts.namespace}/controller`,
    });
    this.configState = new ConfigurationStateWriter(
      api,
      { namespace: opts.namespace, name: 'controller', labels: { 'portside.dev/component': 'controller' } },
      'portside-controller',
    );
    this.json = api.json;
  }

  /** True once existing assignments are adopted and the queue runs. */
  isReady(): boolean {
    return this.ready;
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.services.start();
    this.config.start();
    // The first write's connection is ready when the lists are.
    this.writes?.preconnect().catch(() => undefined);
    await Promise.all([this.services.synced, this.config.synced()]);
    // Existing assignments are adopted when the first valid configuration loads, before any
    // Service is served: a restart never moves or duplicates an IP.
    let state: ConfigurationStateStatus | undefined;
    this.configBuilt = true;
    try {
      state = this.loadConfig();
    } catch (err) {
      this.opts.log.warn('config_load_failed', { err });
      this.queue.add('config');
    }
    // One key first: its write answers sooner alone than among 32 (the first IP after a start
    // with a backlog); every worker once it is done, or after 100 ms if its write is slow.
    this.queue.run((key) => this.reconcile(key), 1);
    setTimeout(() => this.useAllWorkers(), 100).unref();
    this.ready = true;
    // Reported while the first Services are served: the first IP does not wait for two writes.
    if (state) {
      this.reportConfig(state).catch((err: unknown) => {
        this.opts.log.warn('config_load_failed', { err });
        this.queue.add('config');
      });
    }
  }

  async stop(): Promise<void> {
    this.ready = false;
    await this.queue.shutdown();
    await Promise.all([this.services.stop(), this.config.stop()]);
    this.writes?.close();
  }

  /** Resolves when nothing is queued or running (tests and benchmarks). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  private async reconcile(key: string): Promise<void> {
    const started = performance.now();
    const slash = key.indexOf('/');
    const kind = slash < 0 ? key : key.slice(0, slash);
    const name = slash < 0 ? '' : key.slice(slash + 1);
    this.opts.log.trace('reconcile', { key });
    try {
      await this.opts.metrics.counted(() => this.reconcileKey(kind, name));
    } finally {
      this.opts.log.trace('reconciled', { key, ms: performance.now() - started });
      this.opts.metrics.reconciled(kind, (performance.now() - started) / 1000);
      this.useAllWorkers();
    }
  }

  private useAllWorkers(): void {
    if (this.allWorkers) return;
    this.allWorkers = true;
    this.queue.setWorkers(this.opts.workers ?? 32);
  }

  private async reconcileKey(kind: string, name: string): Promise<void> {
    if (kind === 'svc') {
      const outcome = await this.reconciler.reconcile(name, this.services.get(name));
      if (outcome.freed) this.servePending();
      for (const pool of outcome.pools) this.queuePoolStatus(pool);
    } else if (kind === 'config') {
      await this.reportConfig(this.loadConfig());
    } else if (kind === 'pool') {
      await this.writePoolStatus(name);
    } else if (kind === 'ns') {
      for (const svcKey of this.services.keys()) if (svcKey.startsWith(`${name}/`)) this.queue.add(`svc/${svcKey}`);
    }
  }

  private servePending(): void {
    for (const key of this.reconciler.pendingKeys()) this.queue.add(`svc/${key}`);
  }

  /** Pool status trails allocations a little: one write per pool per burst, not per Service. */
  private queuePoolStatus(pool: string): void {
    this.queue.addAfter(`pool/${pool}`, this.opts.poolStatusDelayMs ?? 250);
  }

  /** Writes ConfigurationState, one write after the other (the last one wins). */
  private reportConfig(state: ConfigurationStateStatus): Promise<void> {
    const write = this.configStateWrites.then(() => this.configState.write(state));
    this.configStateWrites = write.catch(() => undefined);
    return write;
  }

  /**
   * Builds the configuration; an invalid one is reported and the last valid one keeps serving.
   * Returns what ConfigurationState should say.
   */
  private loadConfig(): ConfigurationStateStatus {
    const { log, metrics } = this.opts;
    // The controller speaks no BGP: what a backend cannot do is each speaker's to report.
    const result = buildConfig({ ...this.config.snapshot(), bgpBackend: 'none' });
    const now = new Date();
    const { warnings } = result;
    const warningsText = JSON.stringify(warnings);
    if (warningsText !== this.warningsLogged) for (const w of warnings) log.warn('config_warning', { ...w });
    this.warningsLogged = warningsText;
    if (!result.ok) {
      const serving = this.reconciler.hasConfig();
      // Stale: running on an older configuration, or on none.
      metrics.config(serving, true);
      log.error('config_invalid', { errors: result.errors, stale: serving });
      const invalidPools = new Map<string, string>();
      for (const e of result.errors) {
        if (e.kind !== 'IPAddressPool') continue;
        const text = `${e.field}: ${e.message}`;
        invalidPools.set(e.name, invalidPools.has(e.name) ? `${invalidPools.get(e.name)}; ${text}` : text);
      }
      this.reconciler.rejected(invalidPools);
      // Pending Services learn the reason; with no configuration at all, every Service does.
      this.servePending();
      if (!serving) for (const key of this.services.keys()) this.queue.add(`svc/${key}`);
      return configurationStatus(result.errors, { stale: serving, now, warnings });
    }
    const toClear = this.reconciler.configure(result.config);
    // Services on a pool that changed get a look even when they keep their IPs: a pool that
    // gained a family serves PreferDualStack Services their missing one.
    const fingerprints = new Map([...result.config.pools.values()].map((p) => [p.name, poolFingerprint(p)]));
    for (const [name, fp] of fingerprints) {
      if (this.poolFingerprints.get(name) === fp) continue;
      for (const key of this.reconciler.pools.servicesInPool(name)) this.queue.add(`svc/${key}`);
    }
    this.poolFingerprints = fingerprints;
    if (!this.adopted) {
      this.adopted = true;
      const adoption = this.reconciler.adopt(this.services.list());
      log.info('adopted', { ...adoption, services: this.services.keys().length });
      // First configuration: every Service gets a look (adopted ones may lack annotation or condition).
      for (const key of this.services.keys()) this.queue.add(`svc/${key}`);
    }
    metrics.config(true, false);
    for (const gone of this.knownPools) if (!result.config.pools.has(gone)) metrics.poolRemoved(gone);
    this.knownPools = new Set(result.config.pools.keys());
    this.poolStatusWritten.clear(); // a pool deleted and created again has an empty status
    for (const key of toClear) this.queue.add(`svc/${key}`);
    this.servePending();
    // Services never reconciled under a configuration may fit now.
    for (const key of this.services.keys()) if (!this.reconciler.pools.assignmentOf(key)) this.queue.add(`svc/${key}`);
    for (const pool of this.knownPools) this.queuePoolStatus(pool);
    log.info('config_loaded', { pools: this.knownPools.size, cleared: toClear.length });
    return configurationStatus([], { stale: false, now, warnings });
  }

  private async writePoolStatus(name: string): Promise<void> {
    const stats = this.reconciler.pools.poolStats(name);
    if (!stats) return;
    this.opts.metrics.poolStats(name, stats, this.reconciler.pools.servicesInPool(name).length);
    const status = poolStatus(stats);
    const text = JSON.stringify(status);
    if (this.poolStatusWritten.get(name) === text) return;
    try {
      await this.json.mergePatch(
        customPath({ group: GROUP, version: VERSION, plural: 'ipaddresspools', namespace: this.opts.namespace }, name, 'status'),
        { status },
        { fieldManager: 'portside-controller' },
      );
      this.poolStatusWritten.set(name, text);
    } catch (err) {
      if (!isNotFound(err)) throw err; // deleted meanwhile: nothing to report on
    }
  }
}

// The speaker of one node: informers → one level-based `plan` key (pure planNode over the
// current view) → effects: BGP peers and routes, BFD, L2 ownership; then a `status` key
// writes reports (ConfigurationState, ServiceBGPStatus / ServiceL2Status, metrics).
// Liveness and link-state changes re-plan at once from memory: the API server is not in the
// failover path. SIGTERM is a restart exit (graceful-restart peers keep our routes, a restart
// marker tells the next speaker) or a withdrawal, as exitMode decides.
import type { V1OwnerReference, V1Service } from '@kubernetes/client-node';
import { buildConfig } from '../lib/config/index.ts';
import type { Config, ConfigError } from '../lib/config/index.ts';
import { EventQueue, EventRecorder, WorkQueue } from '../lib/k8s/index.ts';
import type { KubeApi } from '../lib/k8s/index.ts';
import type { Logger } from '../lib/log/index.ts';
import type { Registry } from '../lib/metrics/index.ts';
import { ConfigurationStateWriter } from '../lib/report/configuration-state-writer.ts';
import { canonicalIp } from '../lib/ip/index.ts';
import { planNode, selects } from './planner/index.ts';
import type { NodePlan } from './planner/index.ts';
import { BgpAnnouncer } from './runtime/bgp-announcer.ts';
import type { BgpAnnouncerOptions } from './runtime/bgp-announcer.ts';
import type { BgpBackend } from './runtime/bgp-backend.ts';
import { FrrAnnouncer, type FrrAnnouncerOptions } from './runtime/frr-announcer.ts';
import { HostFrrAnnouncer, type HostFrrAnnouncerOptions } from './runtime/host-frr-announcer.ts';
import { exitMode } from './runtime/exit-mode.ts';
import { SpeakerInformers } from './runtime/informers.ts';
import { L2Announcer } from './runtime/l2-announcer.ts';
import { withLinkState } from './runtime/link-ownership.ts';
import { internalIps, LIVENESS_SECRET, livenessKey, livenessPeers, nodeIdentity, peersForNode } from './runtime/node-info.ts';
import type { RestartMarker } from './runtime/restart-marker.ts';
import { speakerConfigurationStatus } from './status/config-state.ts';
import { announcedIps, desiredSessionStates, desiredStatuses, heldThroughRestart } from './status/desired.ts';
import { SpeakerStats } from './status/metrics.ts';
import { ServiceStatusWriter } from './status/service-status-writer.ts';

export interface SpeakerOptions {
  /** The program's API connections, made in main. */
  api: KubeApi;
  namespace: string;
  nodeName: string;
  lbClass: string | undefined;
  livenessPort: number;
  log: Logger;
  registry: Registry;
  owner?: V1OwnerReference;
  /** Informer events are batched for this long before planning. Default 50 ms. */
  debounceMs?: number;
  livenessTimeoutMs?: number;
  bgp?: Partial<Pick<BgpAnnouncerOptions, 'listenPort' | 'bfdPort' | 'defaults'>>;
  /** BGP through the node's own FRR (the host-frr backend) instead of Portside's own sessions. */
  hostFrr?: Omit<HostFrrAnnouncerOptions, 'logger' | 'registry'>;
  /** BGP through a sidecar FRR whose whole configuration Portside renders (the frr backend). */
  frr?: Omit<FrrAnnouncerOptions, 'logger' | 'registry'>;
  /** Graceful restart across speaker processes (RFC 4724); without it a new speaker never sets the Restart State bit. */
  restart?: {
    /** Where the restart marker of this node lives (runtime/restart-marker.ts). */
    marker: RestartMarkerStore;
    /** The previous speaker of this node left routes at graceful-restart peers (a fresh marker at start). */
    restarted: boolean;
    /** From that marker: per peer, when its router surely found the previous speaker's BFD session down. */
    bfdDownAfterMs?: Readonly<Record<string, number>>;
  };
}

/** The restart marker's effects; RestartMarkerFile in production. */
export interface RestartMarkerStore {
  write(marker: RestartMarker): Promise<void>;
  remove(): Promise<void>;
}

/** The marker is refreshed this often while graceful-restart sessions are up, so a crash counts as a restart too. */
const MARKER_REFRESH_MS = 10_000;

/** The longest an informer change waits for the next plan (planDelay). */
const PLAN_DELAY_MAX_MS = 1_000;

type Key = 'plan' | 'status';

const ANNOUNCED_BGP = 1;
const ANNOUNCED_L2 = 2;

export class Speaker {
  private readonly opts: SpeakerOptions;
  private readonly log: Logger;
  private readonly informers: SpeakerInformers;
  private readonly queue: WorkQueue<Key>;
  private readonly stats: SpeakerStats;
  private readonly bgp: BgpBackend;
  private readonly l2: L2Announcer;
  /** Best effort, 4 in flight: a start with thousands of Services announces them all at once. */
  private readonly events: EventQueue;
  private readonly configState: ConfigurationStateWriter;
  private readonly statusWriter: ServiceStatusWriter;
  private config: Config | undefined;
  private configErrors: readonly ConfigError[] = [];
  private configWarnings: readonly ConfigError[] = [];
  private plan: NodePlan | undefined;
  /**
   * Service key → the protocols the last plan announced it by (ANNOUNCED_BGP | ANNOUNCED_L2): a
   * new one gets a nodeAssigned event. Keyed by the plan's own key strings, not new ones.
   */
  private announced = new Map<string, number>();
  private ready = false;
  /** How long the last plan took (ms): informer changes wait at least twice that (planDelay). */
  private lastPlanMs = 0;
  private stopping = false;
  private markerTimer: NodeJS.Timeout | undefined;
  /** The peers and BFD times of the last marker written while running. */
  private markerSaid = '';
  /** The last marker write; writes never overlap. */
  private markerWrite: Promise<void> = Promise.resolve();
  /** A refresh failed: said once, not every period. */
  private markerFailing = false;

  constructor(opts: SpeakerOptions) {
    this.opts = opts;
    const { api, log, namespace, nodeName } = opts;
    this.log = log;
    this.stats = new SpeakerStats(opts.registry);
    this.queue = new WorkQueue<Key>({ onError: (key, err, outcome, requeues) => log.warn('reconcile_failed', { key, outcome, requeues, msg: briefError(err) }) });
    this.informers = new SpeakerInformers(api, {
      namespace,
      onChange: () => this.queue.addAfter('plan', this.planDelay()),
      onEvent: (kind, e) => log.debug('informer', { kind, ...e }),
    });
    this.bgp = opts.hostFrr
      ? new HostFrrAnnouncer({ logger: log.child({ part: 'host-frr' }), registry: opts.registry, ...opts.hostFrr })
      : opts.frr
      ? new FrrAnnouncer({ logger: log.child({ part: 'frr' }), registry: opts.registry, ...opts.frr })
      : new BgpAnnouncer({ logger: log.child({ part: 'bgp' }), registry: opts.registry, ...opts.bgp, restarted: opts.restart?.restarted ?? false, ...(opts.restart?.bfdDownAfterMs ? { restartBfdDownAfterMs: opts.restart.bfdDownAfterMs } : {}) });
    this.l2 = new L2Announcer({
      node: nodeName,
      logger: log.child({ part: 'l2' }),
      registry: opts.registry,
      livenessPort: opts.livenessPort,
      ...(opts.livenessTimeoutMs ? { livenessTimeoutMs: opts.livenessTimeoutMs } : {}),
      onLivenessChange: () => this.queue.add('plan'),
      onAnnounceFailed: (ifname, reason, ips) => this.announceFailed(ifname, reason, ips),
      onInterfaces: () => this.queue.add('status'),
    });
    // 1,024 repeat keys, not the controller's 4,096: a speaker's Events are one per Service it
    // starts announcing, rarely repeated; 4,096 keys were 0.8 MB of its heap at 10,000 Services.
    this.events = new EventQueue(new EventRecorder(api, { component: 'portside-speaker', instance: nodeName, cacheSize: 1024, onError: (err) => log.debug('event_failed', { err }) }));
    const component = { 'portside.dev/component': 'speaker', 'portside.dev/node': nodeName };
    this.configState = new ConfigurationStateWriter(api, { namespace, name: `speaker-${nodeName}`, labels: component, ...(opts.owner ? { owner: opts.owner } : {}) }, 'portside-speaker');
    this.statusWriter = new ServiceStatusWriter(api, { namespace, node: nodeName, fieldManager: 'portside-speaker', ...(opts.owner ? { owner: opts.owner } : {}) });
  }

  /** True once the informers synced and the first plan was applied. */
  isReady(): boolean {
    return this.ready;
  }

  async start(): Promise<void> {
    await this.bgp.start();
    this.informers.start();
    await this.informers.synced();
    const firstPlan = Promise.withResolvers<void>();
    this.queue.run((key) => this.stats.counted(() => (key === 'plan' ? this.applyPlan().finally(firstPlan.resolve) : this.writeStatus())), 2);
    this.queue.add('plan');
    // Ready once the first plan is applied (announcing), not once its reports are written:
    // with 10,000 Services those writes took ≈ 80 s (bench/bgp.ts).
    await firstPlan.promise;
    this.ready = true;
    this.log.info('speaker_ready', { node: this.opts.nodeName });
    // BGPSessionState follows each session and its BFD.
    this.bgp.onSessionChange(() => this.queue.add('status'));
    if (this.opts.restart && !this.stopping) {
      this.bgp.onSessionUp(() => this.refreshMarker());
      // A BFD session Up (or gone): the marker says at once when its router would time it out, not at the next refresh.
      this.bgp.onSessionChange(() => this.refreshMarker(true));
      this.markerTimer = setInterval(() => this.refreshMarker(), MARKER_REFRESH_MS).unref();
      this.refreshMarker();
    }
  }

  /**
   * SIGTERM: stop planning, L2 off (peers told we are leaving), then BGP as exitMode says. A restart exit closes the
   * graceful-restart peers without NOTIFICATION (they keep our routes as stale), writes the
   * restart marker and keeps their ServiceBGPStatus; every other peer — all of them on a node
   * that is going — gets GRACEFUL_SHUTDOWN → withdraw → Cease, and its reports are removed.
   */
  async stop(graceMs: number): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.ready = false;
    clearInterval(this.markerTimer);
    const { nodeName } = this.opts;
    const mode = exitMode(this.informers.nodes.get(nodeName), this.bgp.configuredPeers, { gracefulRestartNeeded: this.bgp.kind === 'native' });
    if (mode.restart && this.bgp.kind === 'host-frr') {
      this.log.info('host_frr_keep_exit', { msg: 'the node stays: its FRR keeps announcing our prefixes, the next speaker reconciles them' });
    } else if (mode.restart && this.bgp.kind === 'frr') {
      this.log.info('frr_keep_exit', { msg: 'the node stays: the FRR sidecar keeps its configuration and sessions, the next speaker renders the same' });
    } else if (mode.restart) {
      this.log.info('bgp_graceful_restart_exit', {
        peers: mode.peers, restartTime: this.bgp.restartTime,
        msg: `restart exit: ${mode.peers.join(', ')} keep our routes (stale) for up to ${this.bgp.restartTime} s, until the next speaker sends End-of-RIB`,
      });
    } else {
      this.log.info('bgp_shutdown_withdraw', { reason: mode.reason, graceMs, msg: `withdrawing every route before exit: ${mode.reason}` });
    }
    await this.queue.shutdown();
    await this.l2.leave(); // peers take our IPs now, not at the liveness timeout
    const bfd = this.bfdDownAfter(); // before the sessions close
    const kept = await this.bgp.shutdown(graceMs, { restart: mode.restart });
    await this.markerWrite;
    const marker = this.opts.restart?.marker;
    if (marker && kept.length > 0) {
      await marker.write({ node: nodeName, at: Date.now(), restartTime: this.bgp.restartTime, planned: true, peers: kept, ...bfd })
        .catch((err: unknown) => this.log.warn('restart_marker_failed', { err, msg: 'the next speaker will not set the Restart State bit' }));
    } else if (marker) {
      await marker.remove().catch((err: unknown) => this.log.warn('restart_marker_failed', { err }));
    }
    this.stats.setAnnounced(nodeName, []);
    const reports: Promise<unknown> = kept.length > 0 && this.plan
      ? this.statusWriter.sync(desiredStatuses(nodeName, heldThroughRestart(this.plan, kept), () => []))
      : this.statusWriter.clear();
    await withTimeout(reports, 2_000).catch((err: unknown) => this.log.warn('status_cleanup_failed', { err }));
    await this.informers.stop();
  }

  /** The marker's `bfdDownAfterMs`, when any restartable peer's BFD session is Up. */
  private bfdDownAfter(): Pick<RestartMarker, 'bfdDownAfterMs'> {
    const bfd = this.bgp.bfdDownAfter?.() ?? {};
    return Object.keys(bfd).length > 0 ? { bfdDownAfterMs: bfd } : {};
  }

  /** While graceful-restart peers hold our routes, the marker says so (and when); `ifChanged`: only when what it says changed. */
  private refreshMarker(ifChanged = false): void {
    const marker = this.opts.restart?.marker;
    const peers = this.bgp.restartablePeers();
    if (!marker || this.stopping || peers.length === 0) return;
    const bfd = this.bfdDownAfter();
    const said = JSON.stringify([peers, bfd]);
    if (ifChanged && said === this.markerSaid) return;
    this.markerSaid = said;
    const at = Date.now();
    this.markerWrite = this.markerWrite
      .then(() => marker.write({ node: this.opts.nodeName, at, restartTime: this.bgp.restartTime, planned: false, peers, ...bfd }))
      .then(() => void (this.markerFailing = false), (err: unknown) => {
        if (!this.markerFailing) this.log.warn('restart_marker_failed', { err, msg: 'a restarted speaker will not set the Restart State bit' });
        this.markerFailing = true;
      });
  }

  private async applyPlan(): Promise<void> {
    const started = performance.now();
    const { nodeName, lbClass } = this.opts;
    const inf = this.informers;
    const nodes = inf.nodes.list();
    const self = inf.nodes.get(nodeName);
    const result = buildConfig({ ...inf.config.snapshot(), nodes, bgpBackend: this.bgp.kind });
    if (JSON.stringify(result.warnings) !== JSON.stringify(this.configWarnings)) for (const w of result.warnings) this.log.warn('config_warning', { ...w });
    this.configWarnings = result.warnings;
    if (result.ok) {
      if (this.configErrors.length > 0 || !this.config) this.log.info('config_loaded', { warnings: result.warnings.length });
      this.config = result.config;
      this.configErrors = [];
    } else {
      if (JSON.stringify(result.errors) !== JSON.stringify(this.configErrors)) this.log.error('config_invalid', { errors: result.errors, stale: this.config !== undefined });
      this.configErrors = result.errors;
    }
    // Stale: running on an older configuration, or on none.
    this.stats.config(this.config !== undefined, this.configErrors.length > 0);
    const config = this.config;
    if (config) {
      const key = livenessKey(inf.secrets.get(`${this.opts.namespace}/${LIVENESS_SECRET}`));
      this.l2.configureLiveness({
        key: key.ok ? key.key : undefined,
        bindAddress: internalIps(self)[0],
        peers: livenessPeers(config, nodeName, nodes),
      });
      const liveNodes = this.l2.liveNodes();
      const planned = planNode({ config, nodeName, nodes, services: inf.services.list(), endpointSlices: inf.endpointSlices.list(), lbClass, liveNodes });
      const plan = withLinkState(planned, nodeName, liveNodes, this.l2.linksOf());
      this.bgp.apply({
        peers: peersForNode(config, self), identity: nodeIdentity(nodeName, self), routes: plan.bgp, cordoned: self?.spec?.unschedulable === true,
        pools: [...config.pools.values()].flatMap((p) => p.ranges),
        adverts: config.bgpAdvertisements.filter((a) => selects(a.nodeSelectors, self?.metadata?.labels ?? {})),
      });
      // Before l2.apply: announceFailed looks the newly owned IPs up in it. Without its routes:
      // the BGP backend keeps its own (from the plan that last changed them), and kept here
      // too they were a second copy of every prefix (≈ 2 MB at 10,000, docs/benchmarks.md).
      this.plan = { ...plan, bgp: new Map() };
      this.l2.apply(plan.l2, plan.l2Owned);
      this.log.debug('planned', { bgpPeers: plan.bgp.size, l2Owned: plan.l2Owned.map((p) => p.ip), live: liveNodes ? [...liveNodes] : 'all' });
      this.reportAnnounced(plan);
      this.stats.liveness(liveNodes?.size ?? 0, this.l2.watchedCount());
    }
    this.lastPlanMs = performance.now() - started;
    this.stats.planned(this.lastPlanMs / 1000);
    this.queue.add('status');
  }

  /**
   * Informer changes are batched for debounceMs, or twice the last plan's time if longer (at
   * most PLAN_DELAY_MAX_MS): every plan reads every Service, so with 10,000 Services created
   * 8 a second, planning per 50 ms batch took 249 s of CPU (bench/bgp.ts). Now at most about
   * a third of a core plans. Liveness and link changes still plan at once.
   */
  private planDelay(): number {
    return Math.max(this.opts.debounceMs ?? 50, Math.min(2 * this.lastPlanMs, PLAN_DELAY_MAX_MS));
  }

  private reportAnnounced(plan: NodePlan): void {
    const { nodeName } = this.opts;
    const ingressOf = (key: string) => (this.informers.services.get(key)?.status?.loadBalancer?.ingress ?? [])
      .flatMap((i) => (i.ip ? [canonicalIp(i.ip) ?? i.ip] : []));
    const byService = announcedIps(plan, ingressOf);
    // Listed again from this plan when scraped: 10,000 entries kept between scrapes were 1.4 MB.
    this.stats.setAnnounced(nodeName, () => [...announcedIps(plan, ingressOf)].flatMap(([service, { bgp, l2 }]) => [
      ...bgp.map((ip) => ({ service, protocol: 'bgp' as const, ip })),
      ...l2.map((ip) => ({ service, protocol: 'layer2' as const, ip })),
    ]));
    const now = new Map<string, number>();
    for (const [service, { bgp, l2 }] of byService) {
      for (const [protocol, ips, bit] of [['BGP', bgp, ANNOUNCED_BGP], ['L2', l2, ANNOUNCED_L2]] as const) {
        if (ips.length === 0) continue;
        now.set(service, (now.get(service) ?? 0) | bit);
        if (((this.announced.get(service) ?? 0) & bit) !== 0) continue;
        const svc = this.informers.services.get(service);
        this.log.info('node_assigned', { service, protocol, ips });
        if (svc) this.events.record(serviceRef(svc), 'Normal', 'nodeAssigned', `announcing from node "${nodeName}" via ${protocol} (${ips.join(', ')})`);
      }
    }
    this.announced = now;
  }

  private announceFailed(ifname: string, reason: string, ips: readonly string[]): void {
    const services = new Set((this.plan?.l2Owned ?? []).filter((p) => ips.includes(p.ip)).flatMap((p) => p.services));
    for (const key of services) {
      const svc = this.informers.services.get(key);
      if (svc) this.events.record(serviceRef(svc), 'Warning', 'announceFailed', `node "${this.opts.nodeName}": cannot announce on interface ${ifname}: ${reason}`);
    }
  }

  private async writeStatus(): Promise<void> {
    if (this.stopping) return;
    const keyProblem = livenessKey(this.informers.secrets.get(`${this.opts.namespace}/${LIVENESS_SECRET}`));
    const peerProblems = this.bgp.sessions().flatMap((s) => [
      ...(s.configError ? [{ peer: s.name, reason: s.configError }] : []),
      ...(s.bfd?.error ? [{ peer: s.name, reason: `BFD not running: ${s.bfd.error}` }] : []),
    ]);
    await this.configState.write(speakerConfigurationStatus(
      this.configErrors,
      { stale: this.config !== undefined, now: new Date(), warnings: [...this.configWarnings, ...(this.bgp.unhonoured?.() ?? [])] },
      { livenessKeyProblem: keyProblem.ok ? undefined : keyProblem.reason, livenessOnLastKey: this.l2.meshRunning(), peerProblems, bgpBackendProblem: this.bgp.problem() },
    ));
    if (!this.plan) return;
    const desired = [
      ...desiredStatuses(this.opts.nodeName, this.plan, (ip, named) => this.l2.interfacesOf(ip, named)),
      ...desiredSessionStates(this.opts.nodeName, this.bgp.sessions()),
    ];
    const changed = await this.statusWriter.sync(desired);
    if (changed.created + changed.patched + changed.deleted > 0) this.log.info('service_status_written', { ...changed });
  }
}

function serviceRef(svc: V1Service) {
  return { apiVersion: 'v1', kind: 'Service', metadata: svc.metadata ?? {} };
}

/** One line for an API failure (client-node's messages carry the whole body and headers). */
export function briefError(err: unknown): string {
  const e = err as { code?: unknown; body?: unknown; message?: unknown };
  if (typeof e?.code === 'number' && typeof e.body === 'string') {
    try {
      return `HTTP ${e.code}: ${(JSON.parse(e.body) as { message?: string }).message ?? e.body.slice(0, 200)}`;
    } catch {
      return `HTTP ${e.code}: ${e.body.slice(0, 200)}`;
    }
  }
  return String(e?.message ?? err).split('\n')[0] ?? '';
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms)));
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

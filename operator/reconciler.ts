// The allocation decisions for Services, on top of the pure allocator: which IPs a Service
// should show and why. Effects go through the ServiceWriter port.
import type { V1Service } from '@kubernetes/client-node';
import type { Config } from '../lib/config/index.ts';
import { formatIp } from '../lib/ip/index.ts';
import type { Logger } from '../lib/log/index.ts';
import { compareCodePoints } from '../lib/order/index.ts';
import { handledByClass, isLoadBalancer, parseServiceKnobs } from '../lib/service/index.ts';
import { type Clock, systemClock } from '../lib/time/index.ts';
import { Allocator } from './allocator/index.ts';
import type { NamespaceLabels, PendingReason } from './allocator/index.ts';
import type { ControllerMetrics } from './metrics.ts';
import {
  ALLOCATED_CONDITION, allocatedState, pendingState, POOL_ANNOTATION, servicePatches, statusIPs,
} from './service-status.ts';
import type { DesiredServiceState, ServicePatches } from './service-status.ts';
import type { ServiceWriter } from './writer.ts';

export interface ReconcilerOptions {
  lbClass: string | undefined;
  writer: ServiceWriter;
  log: Logger;
  metrics: ControllerMetrics;
  namespaceLabels: NamespaceLabels;
  clock?: Clock;
  /** Where configuration errors are reported, for the messages of ConfigInvalid and PoolInvalid. */
  configState?: string;
}

/** What is wrong with the configuration objects the last (rejected) build read. */
export interface ConfigProblems {
  /** No valid configuration has loaded yet. */
  readonly neverValid: boolean;
  /** Invalid IPAddressPool name → its errors. */
  readonly invalidPools: ReadonlyMap<string, string>;
}

export interface ServiceOutcome {
  /** The Service gave up addresses: pending Services may now fit. */
  freed: boolean;
  /** Pools whose usage may have changed. */
  pools: string[];
}

function serviceKey(svc: V1Service): string {
  return `${svc.metadata?.namespace}/${svc.metadata?.name}`;
}

/** Oldest first, ties by key; each timestamp parsed once (thousands of Services at start-up). */
function inCreationOrder(services: readonly V1Service[]): V1Service[] {
  const keyed = services.map((svc) => ({ svc, at: new Date(svc.metadata?.creationTimestamp ?? 0).getTime(), key: serviceKey(svc) }));
  keyed.sort((a, b) => a.at - b.at || compareCodePoints(a.key, b.key));
  return keyed.map((k) => k.svc);
}

export class AllocationReconciler {
  private readonly allocator: Allocator;
  private readonly opts: ReconcilerOptions;
  private config: Config | undefined;
  private problems: ConfigProblems = { neverValid: false, invalidPools: new Map() };
  /** Services that wanted an address and did not get one. */
  private readonly pending = new Set<string>();
  /** Per Service: what our last writes left, and every resourceVersion up to it. */
  private readonly written = new Map<string, { svc: V1Service; versions: Set<string> }>();

  constructor(opts: ReconcilerOptions) {
    this.opts = opts;
    this.allocator = new Allocator({ namespaceLabels: opts.namespaceLabels });
  }

  get pools(): Allocator {
    return this.allocator;
  }

  hasConfig(): boolean {
    return this.config !== undefined;
  }

  /** Records why the latest configuration was rejected (the last valid one, if any, keeps serving). */
  rejected(invalidPools: ReadonlyMap<string, string>): void {
    this.problems = { neverValid: !this.config, invalidPools };
  }

  /** Installs a valid configuration; returns the Services that lost addresses and must be redone. */
  configure(config: Config): readonly string[] {
    this.config = config;
    this.problems = { neverValid: false, invalidPools: new Map() };
    return this.allocator.setPools([...config.pools.values()]).toClear;
  }

  pendingKeys(): string[] {
    return [...this.pending].sort();
  }

  /**
   * Before serving anyone: take every address already in a Service's status that is still
   * valid, oldest Service first, so a restart never moves or duplicates an IP.
   */
  adopt(services: readonly V1Service[]): { adopted: number; rejected: number } {
    let adopted = 0;
    let rejected = 0;
    // Only Services that show an address take part: a backlog of new ones costs no sort.
    const holders = services.filter((svc) => this.handles(svc) && statusIPs(svc).length > 0);
    for (const svc of inCreationOrder(holders)) {
      const ips = statusIPs(svc);
      const knobs = parseServiceKnobs(svc);
      if (!knobs.ok) continue;
      const result = this.allocator.adopt(knobs.value, ips);
      if (result.ok) adopted += result.ips.length;
      rejected += result.rejected.length;
      for (const r of result.rejected) {
        this.opts.log.warn('adopt_rejected', { service: serviceKey(svc), ip: formatIp(r.ip), reason: r.reason.reason, msg: r.reason.message });
        // The message names the Service that keeps the address (e.g. the older holder of a duplicate).
        this.opts.writer.event(svc, 'Warning', 'ClearAssignment', `${formatIp(r.ip)} is taken back: ${r.reason.message}`);
      }
    }
    return { adopted, rejected };
  }

  private handles(svc: V1Service): boolean {
    return isLoadBalancer(svc) && handledByClass(svc, this.opts.lbClass);
  }

  /** Reconciles one Service (undefined = deleted). */
  async reconcile(key: string, cached: V1Service | undefined): Promise<ServiceOutcome> {
    const before = this.allocator.assignmentOf(key);
    const svc = cached && this.latest(key, cached);
    if (!svc || !this.handles(svc)) {
      if (!svc) this.written.delete(key);
      this.pending.delete(key);
      const freed = this.allocator.release(key);
      if (svc && svc.metadata?.annotations?.[POOL_ANNOTATION] !== undefined) await this.clear(key, svc);
      return { freed, pools: before ? [before.pool] : [] };
    }
    if (!this.config) {
      // Addresses already shown are kept for adoption when a configuration loads; a new Service is told why it waits.
      if (statusIPs(svc).length > 0) return { freed: false, pools: [] };
      return this.show(key, svc, pendingState({ reason: 'ConfigInvalid', message: `no valid configuration has loaded: ${this.where()}` }), { freed: false, pools: [] });
    }
    const knobs = parseServiceKnobs(svc);
    let desired: DesiredServiceState;
    if (!knobs.ok) {
      this.allocator.release(key);
      const message = knobs.errors.map((e) => `${e.field}: ${e.message}`).join('; ');
      desired = pendingState({ reason: 'InvalidRequest', message });
    } else {
      const result = this.allocator.assign(knobs.value);
      desired = result.ok ? allocatedState(result.ips, result.pool) : pendingState(this.explainPool(result.reason, knobs.value.poolName));
    }
    const after = this.allocator.assignmentOf(key);
    const freed = !!before && before.ips.some((ip) => !after?.ips.some((a) => a.family === ip.family && a.value === ip.value));
    const pools = [...new Set([before?.pool, after?.pool].filter((p): p is string => p !== undefined))];
    return this.show(key, svc, desired, { freed, pools });
  }

  private where(): string {
    return `see ConfigurationState ${this.opts.configState ?? 'controller'}`;
  }

  /** A pool that is missing from the valid configuration because its object is invalid is not "not found". */
  private explainPool(reason: PendingReason, poolName: string | undefined): PendingReason {
    if (reason.reason !== 'PoolNotFound' || poolName === undefined) return reason;
    const errors = this.problems.invalidPools.get(poolName);
    if (errors === undefined) return reason;
    return { reason: 'PoolInvalid', message: `pool ${poolName} exists but is invalid (${errors}); ${this.where()}` };
  }

  /** Makes the Service show `desired`, with the event and log line of a change. */
  private async show(key: string, svc: V1Service, desired: DesiredServiceState, outcome: ServiceOutcome): Promise<ServiceOutcome> {
    const { freed, pools } = outcome;
    if (desired.pool) this.pending.delete(key);
    else this.pending.add(key);
    const patches = servicePatches(svc, desired, this.now());
    if (!patches.status && !patches.annotations) return { freed, pools };
    const shown = statusIPs(svc).map(formatIp);
    const wanted = desired.ips.map(formatIp);
    await this.write(key, svc, patches);
    // Events and counters follow what the Service now shows, so a retried write does not repeat them.
    if (!patches.status) return { freed, pools };
    const { writer, log, metrics } = this.opts;
    metrics.allocation(desired.pool ? 'allocated' : desired.condition.reason);
    if (desired.pool) {
      if (shown.join() !== wanted.join()) {
        writer.event(svc, 'Normal', 'IPAllocated', `Assigned IP ${desired.condition.message}`);
        log.info('ip_allocated', { service: key, ips: wanted, pool: desired.pool, previous: shown });
      }
    } else {
      writer.event(svc, 'Warning', 'AllocationFailed', desired.condition.message);
      log.warn('allocation_failed', { service: key, reason: desired.condition.reason, msg: desired.condition.message });
      if (shown.length > 0) writer.event(svc, 'Warning', 'ClearAssignment', `Cleared the assignment: ${desired.condition.message}`);
    }
    return { freed, pools };
  }

  /**
   * The watch brought back a state of the Service that our own writes produced: deciding on it
   * again would change nothing (anything else that changed since enqueues the key itself), so
   * the caller need not enqueue it. Our copy is forgotten once the watch has caught up with it.
   */
  ownEcho(key: string, svc: V1Service): boolean {
    const ours = this.written.get(key);
    const rv = svc.metadata?.resourceVersion;
    if (!ours || rv === undefined || !ours.versions.has(rv)) return false;
    if (rv === ours.svc.metadata?.resourceVersion) this.written.delete(key);
    return true;
  }

  /**
   * The newest state of the Service we know: the informer's copy, unless it is one our own
   * writes already superseded (the watch has not caught up yet) — deciding on that copy would
   * only earn a 409 Conflict and a retry.
   */
  private latest(key: string, cached: V1Service): V1Service {
    const ours = this.written.get(key);
    if (!ours) return cached;
    const rv = cached.metadata?.resourceVersion ?? '';
    if (!ours.versions.has(rv)) {
      this.written.delete(key); // changed by someone else since: the informer's copy is newer
      return cached;
    }
    if (rv === ours.svc.metadata?.resourceVersion) this.written.delete(key); // caught up
    return ours.svc;
  }

  private async write(key: string, svc: V1Service, patches: ServicePatches): Promise<void> {
    const out = await this.opts.writer.apply(svc, patches);
    if (!out) return;
    const versions = this.written.get(key)?.versions ?? new Set<string>();
    versions.add(svc.metadata?.resourceVersion ?? '');
    for (const rv of out.resourceVersions) versions.add(rv);
    this.written.set(key, { svc: out.svc, versions });
  }

  /** A Service we no longer handle: remove what we wrote. */
  private async clear(key: string, svc: V1Service): Promise<void> {
    const hadIPs = statusIPs(svc).length > 0;
    const conditions = (svc.status?.conditions ?? []).filter((c) => c.type !== ALLOCATED_CONDITION);
    await this.write(key, svc, {
      status: { conditions, loadBalancer: { ingress: [] } },
      annotations: { [POOL_ANNOTATION]: null },
    });
    if (hadIPs) this.opts.writer.event(svc, 'Normal', 'ClearAssignment', 'Portside no longer handles this Service');
  }

  private now(): Date {
    return new Date((this.opts.clock ?? systemClock).now());
  }
}

// Leader election on a coordination.k8s.io/v1 Lease, after client-go's leaderelection:
// optimistic concurrency on resourceVersion, and a holder's lease judged expired by *local*
// observation (time since we last saw the record change), never by comparing clocks.
import { systemClock } from '../time/clock.ts';
import type { Clock } from '../time/clock.ts';
import { apiFailureOf, isConflict, isNotFound } from './errors.ts';
import type { JsonClient } from './json-client.ts';
import type { KubeApi } from './kube-api.ts';
import { namespacedPath } from './paths.ts';

/** A coordination.k8s.io/v1 Lease as it travels (times are RFC 3339 with microseconds). */
interface Lease {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
  spec?: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

/** metav1.MicroTime's wire form: six fractional digits. */
const microTime = (ms: number): string => new Date(ms).toISOString().replace('Z', '000Z');

export interface LeaseElectorOptions {
  namespace: string;
  name: string;
  identity: string;
  /** How long a non-leader waits, from its own last observed change, before taking over. Default 15 s. */
  leaseDurationMs?: number;
  /** The leader gives up if it cannot renew within this. Default 10 s. */
  renewDeadlineMs?: number;
  /** Pause between attempts. Default 2 s. */
  retryPeriodMs?: number;
  clock?: Clock;
  onStartedLeading?: () => void;
  onStoppedLeading?: () => void;
  onNewLeader?: (identity: string) => void;
  onError?: (error: unknown) => void;
}

export class LeaseElector {
  private readonly json: JsonClient;
  private readonly opts: Required<Pick<LeaseElectorOptions, 'leaseDurationMs' | 'renewDeadlineMs' | 'retryPeriodMs'>> &
    LeaseElectorOptions;
  private readonly clock: Clock;
  private observed: { rv: string; holder: string; at: number } | undefined;
  private leading = false;
  private lastRenew = 0;
  private stopped = false;
  private wake: (() => void) | undefined;
  private running: Promise<void> | undefined;
  private lastLeader = '';

  constructor(api: KubeApi, opts: LeaseElectorOptions) {
    this.json = api.json;
    this.opts = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000, ...opts };
    this.clock = opts.clock ?? systemClock;
    if (this.opts.renewDeadlineMs >= this.opts.leaseDurationMs) {
      throw new Error('leaseDurationMs must be greater than renewDeadlineMs');
    }
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** Campaigns until stopped; while leading, renews every retry period. */
  start(): this {
    this.running ??= this.loop();
    return this;
  }

  /** Stops campaigning and, if leading, releases the lease so another can take over at once. */
  release(): Promise<void> {
    return this.stop({ release: true });
  }

  /** Stops campaigning; without `release` the lease is left to expire (as after a crash). */
  async stop(opts: { release?: boolean } = {}): Promise<void> {
    this.stopped = true;
    this.wake?.();
    if (!this.running) return; // never started: nothing held
    await this.running;
    if (!opts.release) {
      this.setLeading(false);
      return;
    }
    // Read even when not leading: an acquire may have landed while we were stopping.
    try {
      const lease = await this.json.get<Lease>(this.path());
      if (lease.spec?.holderIdentity === this.opts.identity) {
        lease.spec.holderIdentity = undefined;
        lease.spec.leaseDurationSeconds = 1;
        lease.spec.renewTime = microTime(this.clock.now());
        await this.json.replace(this.path(), lease);
      }
    } catch (error) {
      this.opts.onError?.(error);
    }
    this.setLeading(false);
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      let ok = false;
      try {
        ok = await this.tryAcquireOrRenew();
      } catch (error) {
        this.opts.onError?.(error);
      }
      if (this.stopped) break;
      const now = this.clock.now();
      if (ok) {
        this.lastRenew = now;
        this.setLeading(true);
      } else if (this.leading && now - this.lastRenew >= this.opts.renewDeadlineMs) {
        this.setLeading(false);
      }
      // client-go jitters the candidate's retry by up to 1.2x to spread contenders.
      const pause = this.leading ? this.opts.retryPeriodMs : this.opts.retryPeriodMs * (1 + Math.random() * 0.2);
      await this.sleep(pause);
    }
  }

  private setLeading(leading: boolean): void {
    if (leading === this.leading) return;
    this.leading = leading;
    if (leading) this.opts.onStartedLeading?.();
    else this.opts.onStoppedLeading?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.clock.setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        this.clock.clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { name, namespace, identity } = this.opts;
    const now = this.clock.now();
    const durationSeconds = Math.max(1, Math.ceil(this.opts.leaseDurationMs / 1000));
    let lease: Lease;
    try {
      lease = await this.json.get<Lease>(this.path());
    } catch (err) {
      if (!isNotFound(err)) throw new Error(`reading Lease ${namespace}/${name}: ${apiFailureOf(err).message}`, { cause: err });
      try {
        await this.json.create(this.path(''), {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name, namespace },
          spec: {
            holderIdentity: identity, leaseDurationSeconds: durationSeconds,
            acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0,
          },
        });
      } catch (createErr) {
        if (isConflict(createErr)) return false; // someone else created it first
        throw createErr;
      }
      this.observe('', identity, now);
      return true;
    }
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    this.observe(lease.metadata?.resourceVersion ?? '', holder, now);
    const expired = (this.observed?.at ?? now) + this.opts.leaseDurationMs <= now;
    if (holder !== '' && holder !== identity && !expired) return false;

    const changingHands = holder !== identity;
    lease.spec = {
      ...spec,
      holderIdentity: identity,
      leaseDurationSeconds: durationSeconds,
      renewTime: microTime(now),
      acquireTime: changingHands ? microTime(now) : spec.acquireTime,
      leaseTransitions: (spec.leaseTransitions ?? 0) + (changingHands && holder !== '' ? 1 : 0),
    };
    try {
      // metadata.resourceVersion is set: a concurrent writer makes this a 409, not a lost update.
      const updated = await this.json.replace<Lease>(this.path(), lease);
      this.observe(updated.metadata?.resourceVersion ?? '', identity, now);
      return true;
    } catch (err) {
      if (isConflict(err)) return false;
      throw err;
    }
  }

  /** The Lease's path; `''` for the collection (create). */
  private path(name: string = this.opts.name): string {
    return namespacedPath('/apis/coordination.k8s.io/v1', 'leases', this.opts.namespace, name === '' ? undefined : name);
  }

  /** Records when *we* first saw this version of the record (local time). */
  private observe(rv: string, holder: string, now: number): void {
    if (!this.observed || this.observed.rv !== rv || rv === '') this.observed = { rv, holder, at: now };
    if (holder !== '' && holder !== this.lastLeader) {
      this.lastLeader = holder;
      this.opts.onNewLeader?.(holder);
    }
  }
}

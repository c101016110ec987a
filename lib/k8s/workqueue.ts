// A level-based work queue of keys (client-go's workqueue semantics): adding a key that is
// already waiting is a no-op; a key being processed is re-queued once when it finishes;
// no key is ever processed by two workers at once; failures back off per key.
import { backoffDelay, DEFAULT_BACKOFF } from './backoff.ts';
import type { BackoffPolicy } from './backoff.ts';
import { systemClock } from '../time/clock.ts';
import type { Clock, TimerHandle } from '../time/clock.ts';

export type ReconcileResult =
  | { kind: 'success' }
  | { kind: 'retry'; error?: unknown }
  | { kind: 'terminal'; error: unknown }
  | { kind: 'requeueAfter'; ms: number };

export const Reconcile = {
  success: { kind: 'success' } as ReconcileResult,
  retry: (error?: unknown): ReconcileResult => ({ kind: 'retry', error }),
  terminal: (error: unknown): ReconcileResult => ({ kind: 'terminal', error }),
  requeueAfter: (ms: number): ReconcileResult => ({ kind: 'requeueAfter', ms }),
} as const;

export type Reconciler<K> = (key: K) => Promise<ReconcileResult | void>;

export interface WorkQueueOptions {
  clock?: Clock;
  /** Per-key exponential backoff for addRateLimited (default 5 ms doubling to 1000 s). */
  backoff?: BackoffPolicy;
  random?: () => number;
  /** Called for retry and terminal outcomes (a thrown error counts as retry). */
  onError?: (key: string, error: unknown, outcome: 'retry' | 'terminal', requeues: number) => void;
}

export class WorkQueue<K extends string = string> {
  private readonly clock: Clock;
  private readonly backoff: BackoffPolicy;
  private readonly random: () => number;
  private readonly onError: WorkQueueOptions['onError'];
  private readonly queue: K[] = [];
  private readonly dirty = new Set<K>();
  private readonly processing = new Set<K>();
  private readonly waiting = new Map<K, { at: number; timer: TimerHandle }>();
  private readonly failures = new Map<K, number>();
  private reconciler: Reconciler<K> | undefined;
  private workers = 0;
  private active = 0;
  private shuttingDown = false;
  private idleWaiters: (() => void)[] = [];

  constructor(opts: WorkQueueOptions = {}) {
    this.clock = opts.clock ?? systemClock;
    this.backoff = opts.backoff ?? DEFAULT_BACKOFF;
    this.random = opts.random ?? Math.random;
    this.onError = opts.onError;
  }

  add(key: K): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (!this.processing.has(key)) {
      this.queue.push(key);
      this.pump();
    }
  }

  /** Adds `key` after `ms`; a key already waiting keeps the earlier time. */
  addAfter(key: K, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) return this.add(key);
    const at = this.clock.now() + ms;
    const existing = this.waiting.get(key);
    if (existing && existing.at <= at) return;
    if (existing) this.clock.clearTimeout(existing.timer);
    const timer = this.clock.setTimeout(() => {
      this.waiting.delete(key);
      this.add(key);
    }, ms);
    this.waiting.set(key, { at, timer });
  }

  /** Adds `key` after its next per-key backoff delay. */
  addRateLimited(key: K): void {
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, n);
    this.addAfter(key, backoffDelay(this.backoff, n, this.random));
  }

  /** Resets the key's backoff (call after a success). */
  forget(key: K): void {
    this.failures.delete(key);
  }

  numRequeues(key: K): number {
    return this.failures.get(key) ?? 0;
  }

  /** Keys queued and not yet being processed. */
  length(): number {
    return this.queue.length;
  }

  /** Runs `reconciler` for queued keys with up to `workers` at once. */
  run(reconciler: Reconciler<K>, workers = 1): void {
    if (this.reconciler) throw new Error('WorkQueue.run called twice');
    this.reconciler = reconciler;
    this.workers = Math.max(1, workers);
    this.pump();
  }

  /** Changes how many keys run at once (from the next one started). */
  setWorkers(workers: number): void {
    this.workers = Math.max(1, workers);
    this.pump();
  }

  /** Resolves when nothing is queued or in flight (timers for addAfter may still be pending). */
  idle(): Promise<void> {
    if (this.queue.length === 0 && this.active === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops accepting keys, drops pending timers and waits for in-flight work. */
  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    for (const { timer } of this.waiting.values()) this.clock.clearTimeout(timer);
    this.waiting.clear();
    this.queue.length = 0;
    this.dirty.clear();
    await this.idle();
  }

  private pump(): void {
    const reconciler = this.reconciler;
    if (!reconciler) return;
    while (this.active < this.workers && this.queue.length > 0) {
      const key = this.queue.shift() as K;
      this.dirty.delete(key);
      this.processing.add(key);
      this.active++;
      void this.process(reconciler, key);
    }
    if (this.active === 0 && this.queue.length === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private async process(reconciler: Reconciler<K>, key: K): Promise<void> {
    let result: ReconcileResult;
    try {
      result = (await reconciler(key)) ?? Reconcile.success;
    } catch (error) {
      result = Reconcile.retry(error);
    }
    this.processing.delete(key);
    this.active--;
    // Added again while it was being processed: now it may run.
    if (this.dirty.has(key) && !this.shuttingDown) this.queue.push(key);
    switch (result.kind) {
      case 'success':
        this.forget(key);
        break;
      case 'requeueAfter':
        this.forget(key);
        this.addAfter(key, result.ms);
        break;
      case 'retry':
        this.onError?.(key, result.error, 'retry', this.numRequeues(key) + 1);
        this.addRateLimited(key);
        break;
      case 'terminal':
        this.onError?.(key, result.error, 'terminal', this.numRequeues(key));
        this.forget(key);
        break;
    }
    this.pump();
  }
}

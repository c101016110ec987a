// A supervised informer: list, then watch from the list's resourceVersion; resume the watch
// when it closes, relist on 410 Gone or a stall, back off (jittered) on errors, and never
// stop until stop(). client-node's own informer stops for good on many errors.
import type { KubernetesObject } from '@kubernetes/client-node';
import { backoffDelay } from './backoff.ts';
import type { BackoffPolicy } from './backoff.ts';
import type { ListWatch, WatchEnd } from './listwatch.ts';

export interface InformerHandlers<T> {
  add?(obj: T): void;
  update?(oldObj: T, newObj: T): void;
  delete?(obj: T): void;
}

export type InformerEvent =
  | { event: 'listed'; items: number; resourceVersion: string }
  | { event: 'watch_ended'; how: WatchEnd['kind']; message?: string }
  | { event: 'list_failed'; error: unknown; retryInMs: number }
  | { event: 'watch_failed'; error: unknown; retryInMs: number }
  | { event: 'stalled'; quietMs: number }
  | { event: 'handler_failed'; error: unknown };

export interface InformerOptions {
  /** Retry policy for failed lists/watches. Default 200 ms doubling to 30 s, ±50 % jitter. */
  backoff?: BackoffPolicy;
  /** Relist when no list/watch progress for this long. Default 10 min (watch timeouts are 5–10 min). */
  stallMs?: number;
  onEvent?: (e: InformerEvent) => void;
  random?: () => number;
}

/**
 * `namespace/` once per namespace: a key is then that text and the object's name joined, not a
 * new copy of the prefix per object (0.3 MB per 10,000 objects cached). Bounded: past
 * NAMESPACE_PREFIXES_MAX namespaces the prefix is made per key again.
 */
const NAMESPACE_PREFIXES_MAX = 4096;
const namespacePrefixes = new Map<string, string>();

export function objectKey(obj: KubernetesObject): string {
  const { namespace, name } = obj.metadata ?? {};
  if (!namespace) return name ?? '';
  let prefix = namespacePrefixes.get(namespace);
  if (prefix === undefined) {
    prefix = `${namespace}/`;
    if (namespacePrefixes.size < NAMESPACE_PREFIXES_MAX) namespacePrefixes.set(namespace, prefix);
  }
  return prefix + name;
}

/** Read-only view of the informer's cache. */
export interface ObjectStore<T> {
  get(key: string): T | undefined;
  list(): T[];
  keys(): string[];
}

export class InformerSupervisor<T extends KubernetesObject> implements ObjectStore<T> {
  /** Resolves once the first list has been applied to the store and handlers. */
  readonly synced: Promise<void>;
  private markSynced: () => void = () => {};
  private readonly store = new Map<string, T>();
  private readonly handlers: InformerHandlers<T>[] = [];
  private readonly lw: ListWatch<T>;
  private readonly backoff: BackoffPolicy;
  private readonly stallMs: number;
  private readonly onEvent: (e: InformerEvent) => void;
  private readonly random: () => number;
  private resourceVersion = '';
  private abort = new AbortController();
  private stopped = false;
  private running: Promise<void> | undefined;
  private lastProgress = Date.now();
  private hasSynced = false;

  constructor(lw: ListWatch<T>, opts: InformerOptions = {}) {
    this.lw = lw;
    this.backoff = opts.backoff ?? { baseMs: 200, maxMs: 30_000, jitter: 0.5 };
    this.stallMs = opts.stallMs ?? 600_000;
    this.onEvent = opts.onEvent ?? (() => {});
    this.random = opts.random ?? Math.random;
    this.synced = new Promise((resolve) => (this.markSynced = resolve));
  }

  on(handlers: InformerHandlers<T>): this {
    this.handlers.push(handlers);
    return this;
  }

  isSynced(): boolean {
    return this.hasSynced;
  }

  get(key: string): T | undefined {
    return this.store.get(key);
  }

  list(): T[] {
    return [...this.store.values()];
  }

  keys(): string[] {
    return [...this.store.keys()];
  }

  start(): this {
    this.running ??= this.loop();
    return this;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    await this.running;
  }

  private async loop(): Promise<void> {
    const stallTimer = setInterval(() => this.checkStall(), Math.min(this.stallMs, 5_000));
    stallTimer.unref();
    let failures = 0;
    let needList = true;
    try {
      while (!this.stopped) {
        if (this.abort.signal.aborted) this.abort = new AbortController();
        const signal = this.abort.signal;
        if (needList) {
          try {
            const { items, resourceVersion } = await this.lw.list(signal);
            this.replace(items, resourceVersion);
            needList = false;
            failures = 0;
          } catch (error) {
            if (this.stopped) break;
            const retryInMs = backoffDelay(this.backoff, ++failures, this.random);
            this.onEvent({ event: 'list_failed', error, retryInMs });
            await this.sleep(retryInMs);
            continue;
          }
        }
        const watchStarted = Date.now();
        const end = await this.lw.watch(this.resourceVersion, (e) => this.apply(e.type, e.object), signal);
        if (this.stopped) break;
        this.lastProgress = Date.now();
        if (end.kind === 'error') {
          const retryInMs = backoffDelay(this.backoff, ++failures, this.random);
          this.onEvent({ event: 'watch_failed', error: end.error, retryInMs });
          // Repeated failures may mean our resourceVersion is unusable: start over.
          if (failures >= 3) needList = true;
          await this.sleep(retryInMs);
          continue;
        }
        this.onEvent({ event: 'watch_ended', how: end.kind, ...(end.kind === 'gone' ? { message: end.message } : {}) });
        if (end.kind === 'gone' || signal.aborted) needList = true; // aborted = stall: relist
        failures = 0;
        // A watch that closes at once, again and again, must not become a hot loop.
        if (end.kind === 'closed' && Date.now() - watchStarted < 1_000) await this.sleep(this.backoff.baseMs);
      }
    } finally {
      clearInterval(stallTimer);
    }
  }

  private checkStall(): void {
    const quietMs = Date.now() - this.lastProgress;
    if (quietMs < this.stallMs || this.stopped) return;
    this.onEvent({ event: 'stalled', quietMs });
    this.lastProgress = Date.now();
    this.abort.abort();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.abort.signal.addEventListener('abort', () => {
        clearTimeout(t);
        resolve();
      }, { once: true });
    });
  }

  /** Applies a full list: adds and updates what is new, deletes what vanished while we were away. */
  private replace(items: T[], resourceVersion: string): void {
    const seen = new Set<string>();
    for (const obj of items) {
      const key = objectKey(obj);
      seen.add(key);
      const old = this.store.get(key);
      this.store.set(key, obj);
      if (!old) this.emit((h) => h.add?.(obj));
      else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) this.emit((h) => h.update?.(old, obj));
    }
    for (const [key, old] of this.store) {
      if (seen.has(key)) continue;
      this.store.delete(key);
      this.emit((h) => h.delete?.(old));
    }
    this.resourceVersion = resourceVersion;
    this.lastProgress = Date.now();
    this.onEvent({ event: 'listed', items: items.length, resourceVersion });
    if (!this.hasSynced) {
      this.hasSynced = true;
      this.markSynced();
    }
  }

  private apply(type: string, obj: T): void {
    this.lastProgress = Date.now();
    const rv = obj.metadata?.resourceVersion;
    if (rv) this.resourceVersion = rv;
    if (type === 'BOOKMARK') return;
    const key = objectKey(obj);
    const old = this.store.get(key);
    if (type === 'DELETED') {
      this.store.delete(key);
      this.emit((h) => h.delete?.(old ?? obj));
      return;
    }
    this.store.set(key, obj);
    if (old) this.emit((h) => h.update?.(old, obj));
    else this.emit((h) => h.add?.(obj));
  }

  private emit(call: (h: InformerHandlers<T>) => void): void {
    for (const h of this.handlers) {
      try {
        call(h);
      } catch (error) {
        this.onEvent({ event: 'handler_failed', error });
      }
    }
  }
}

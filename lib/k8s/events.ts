// Records core/v1 Events about objects. Repeats of the same (object, type, reason, message)
// bump count and lastTimestamp on the existing Event instead of creating a new one.
// Recording never throws: a failed event is reported to onError and otherwise dropped.
import { hash, randomBytes } from 'node:crypto';
import { isNotFound } from './errors.ts';
import type { JsonClient } from './json-client.ts';
import type { KubeApi } from './kube-api.ts';
import { PatchType } from './patch.ts';
import type { RequestPipeline } from './pipeline.ts';
import { corePath } from './paths.ts';
import { type Clock, systemClock } from '../time/clock.ts';

export type EventType = 'Normal' | 'Warning';

export interface EventTarget {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; uid?: string; resourceVersion?: string };
}

export interface EventRecorderOptions {
  component: string;
  /** Node or pod name, shown as source.host / reportingInstance. */
  instance?: string;
  /** Remembered (deduplicated) events; the oldest is forgotten first. Default 4096. */
  cacheSize?: number;
  onError?: (error: unknown) => void;
  clock?: Clock;
}

interface Seen {
  namespace: string;
  name: string;
  count: number;
}

/** `"name":value` for each field that is defined, comma-separated, as JSON.stringify writes an object's. */
function jsonFields(fields: Record<string, string | undefined>): string {
  let text = '';
  for (const [name, value] of Object.entries(fields)) {
    if (value !== undefined) text += `${text ? ',' : ''}"${name}":${JSON.stringify(value)}`;
  }
  return text;
}

export class EventRecorder {
  private readonly json: JsonClient;
  private readonly pipeline: RequestPipeline;
  private readonly opts: EventRecorderOptions;
  /** What every Event of this recorder says about its source, as JSON text. */
  private readonly sourceText: string;
  private readonly seen = new Map<string, Seen>();
  /** Event names: the object's, then this recorder's random tag and a sequence (no random bytes per Event). */
  private readonly tag = randomBytes(3).toString('hex');
  private sequence = 0;

  constructor(api: KubeApi, opts: EventRecorderOptions) {
    this.json = api.json;
    this.pipeline = api.pipeline;
    this.opts = opts;
    this.sourceText = `"source":{${jsonFields({ component: opts.component, host: opts.instance })}},` +
      `"reportingComponent":${JSON.stringify(opts.component)},"reportingInstance":${JSON.stringify(opts.instance ?? '')}`;
  }

  normal(obj: EventTarget, reason: string, message: string): Promise<void> {
    return this.record(obj, 'Normal', reason, message);
  }

  warning(obj: EventTarget, reason: string, message: string): Promise<void> {
    return this.record(obj, 'Warning', reason, message);
  }

  async record(obj: EventTarget, type: EventType, reason: string, message: string): Promise<void> {
    try {
      await this.write(obj, type, reason, message.slice(0, 1024));
    } catch (error) {
      this.opts.onError?.(error);
    }
  }

  private async write(obj: EventTarget, type: EventType, reason: string, message: string): Promise<void> {
    const meta = obj.metadata;
    const namespace = meta?.namespace || 'default';
    const objectName = meta?.name;
    // The involvedObject as JSON text, written once: the body below and the repeat key use it.
    const ref = `{${jsonFields({ apiVersion: obj.apiVersion, kind: obj.kind, name: objectName, namespace: meta?.namespace, uid: meta?.uid })}}`;
    const said = `${JSON.stringify(type)},${JSON.stringify(reason)},${JSON.stringify(message)}`;
    // A digest, not the text: 4,096 remembered keys of ≈ 180 characters were 0.7 MB of a speaker's heap.
    const key = hash('sha1', `${ref}${said}`, 'base64');
    const nowIso = new Date((this.opts.clock ?? systemClock).now()).toISOString();
    const prior = this.seen.get(key);
    if (prior) {
      const count = prior.count + 1;
      try {
        await this.json.request('PATCH', corePath('events', prior.namespace, prior.name), {
          body: { count, lastTimestamp: nowIso }, contentType: PatchType.merge, discardBody: true,
        });
        this.remember(key, { ...prior, count });
        return;
      } catch (err) {
        if (!isNotFound(err)) throw err;
        this.seen.delete(key); // expired (events have a TTL): create a fresh one
      }
    }
    const name = `${objectName ?? 'unknown'}.${Date.now().toString(16)}${this.tag}${(this.sequence++).toString(16)}`;
    // The wire form (core/v1 Event), rendered as text: no object per Event to build and stringify.
    const body = `{"metadata":{"name":${JSON.stringify(name)},"namespace":${JSON.stringify(namespace)}},"involvedObject":${ref},` +
      `"type":${JSON.stringify(type)},"reason":${JSON.stringify(reason)},"message":${JSON.stringify(message)},${this.sourceText},` +
      `"firstTimestamp":"${nowIso}","lastTimestamp":"${nowIso}","count":1}`;
    await this.pipeline.send('POST', corePath('events', namespace), body);
    this.remember(key, { namespace, name, count: 1 });
  }

  private remember(key: string, seen: Seen): void {
    this.seen.delete(key);
    this.seen.set(key, seen);
    const max = this.opts.cacheSize ?? 4096;
    while (this.seen.size > max) {
      const oldest = this.seen.keys().next().value;
      if (oldest === undefined) break;
      this.seen.delete(oldest);
    }
  }
}

export interface EventQueueOptions {
  /**
   * Events being written at once, or a function asked before each start (a priority that
   * changes), given how long the oldest waiting Event has waited (ms); 0 holds them. Default 4.
   */
  inFlight?: number | ((oldestWaitedMs: number) => number);
  /** Events waiting; past this the newest are dropped (and counted). Default 10,000. */
  backlog?: number;
  /**
   * New writes start once this many or fewer are in flight, up to the limit together: they go
   * out in one socket write per connection instead of one each. Default: the limit less one
   * (each write that ends starts the next).
   */
  refillAt?: number;
  /** While held (the limit said 0 with Events waiting), asked again after this long. Default 1,000 ms. */
  recheckMs?: number;
  /** Milliseconds, for the wait of the oldest Event. Default performance.now. */
  now?: () => number;
}

interface Waiting {
  target: EventTarget;
  type: EventType;
  reason: string;
  message: string;
  /** When it was recorded (`now`). */
  at: number;
}

/**
 * Events are best effort (as client-go's broadcaster): a few in flight, a bounded backlog,
 * and the newest dropped when it is full, so a burst (thousands of Services at start-up)
 * spends the apiserver on the real work first and never holds thousands of requests.
 */
export class EventQueue {
  private readonly recorder: Pick<EventRecorder, 'record'>;
  private readonly inFlightMax: (oldestWaitedMs: number) => number;
  private readonly backlogMax: number;
  private readonly refillAt: number | undefined;
  private readonly recheckMs: number;
  private readonly now: () => number;
  private readonly backlog: Waiting[] = [];
  private inFlight = 0;
  private droppedCount = 0;
  private recheck: NodeJS.Timeout | undefined;
  /** One callback for every write's end (no closure per Event). */
  private readonly ended = (): void => {
    this.inFlight--;
    this.pump();
  };

  constructor(recorder: Pick<EventRecorder, 'record'>, opts: EventQueueOptions = {}) {
    this.recorder = recorder;
    const max = opts.inFlight ?? 4;
    this.inFlightMax = typeof max === 'number' ? () => max : max;
    this.backlogMax = opts.backlog ?? 10_000;
    this.refillAt = opts.refillAt;
    this.recheckMs = opts.recheckMs ?? 1_000;
    this.now = opts.now ?? (() => performance.now());
  }

  record(obj: EventTarget, type: EventType, reason: string, message: string): void {
    if (this.backlog.length >= this.backlogMax) {
      this.droppedCount++;
      return;
    }
    // Only what the Event names: a backlog of thousands must not keep their objects alive.
    const { name, namespace, uid } = obj.metadata ?? {};
    const target: EventTarget = { apiVersion: obj.apiVersion, kind: obj.kind, metadata: { name, namespace, uid } };
    this.backlog.push({ target, type, reason, message, at: this.now() });
    this.pump();
  }

  /** Events not written because the backlog was full. */
  dropped(): number {
    return this.droppedCount;
  }

  /** Events waiting (not yet started). */
  waiting(): number {
    return this.backlog.length;
  }

  /** Starts waiting writes up to the limit (call when an inFlight function's answer grew). */
  pump(): void {
    if (this.backlog.length === 0) return;
    const max = this.inFlightMax(this.now() - this.backlog[0]!.at);
    if (max <= 0) {
      this.recheck ??= setTimeout(() => {
        this.recheck = undefined;
        this.pump();
      }, this.recheckMs).unref();
      return;
    }
    if (this.inFlight > Math.min(this.refillAt ?? max - 1, max - 1)) return;
    while (this.inFlight < max && this.backlog.length > 0) {
      const e = this.backlog.shift()!;
      this.inFlight++;
      this.recorder.record(e.target, e.type, e.reason, e.message).then(this.ended, this.ended);
    }
  }
}

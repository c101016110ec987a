// The controller's effects on Services, as a small port: tests pass a recording fake.
import type { V1Service } from '@kubernetes/client-node';
import { EventQueue, PatchType, whole, withoutManagedFields, type EventRecorder, type RequestPipeline } from '../lib/k8s/index.ts';
import type { ServicePatches } from './service-status.ts';

export interface ServiceWriter {
  /**
   * Applies the patches, guarded by the resourceVersion the decision was made on; returns the
   * Service as the last write left it, and every resourceVersion the writes produced.
   */
  apply(svc: V1Service, patches: ServicePatches): Promise<{ svc: V1Service; resourceVersions: string[] } | undefined>;
  event(svc: V1Service, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

function annotationsMatch(svc: V1Service, want: Record<string, string | null>): boolean {
  const have = svc.metadata?.annotations ?? {};
  return Object.entries(want).every(([k, v]) => (v === null ? !(k in have) : have[k] === v));
}

/** `patch` applied to `target` as a JSON merge patch (RFC 7386) applies: objects merged member by member, null removes, anything else replaces. */
function mergedPatch(target: unknown, patch: unknown): unknown {
  // A Date (a condition's time) is a value, as JSON.stringify writes it.
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch) || patch instanceof Date) return patch;
  const out: Record<string, unknown> = target !== null && typeof target === 'object' && !Array.isArray(target) && !(target instanceof Date)
    ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else if (v !== undefined) out[k] = mergedPatch(out[k], v);
  }
  return out;
}

/**
 * `svc` as the status write's merge patch would leave it, to be sent whole (a PUT of the status
 * subresource): what the server has, if `svc` is that, changed only where the patch changes it.
 * managedFields are left out: the server keeps the ones it has when a replace has none.
 */
export function replacement(svc: V1Service, patches: ServicePatches): V1Service {
  // The patch has a metadata member, so the result's metadata is a copy: not the cache's.
  const out = mergedPatch(svc, { metadata: { annotations: patches.annotations }, status: patches.status }) as V1Service & { metadata: object };
  delete out.metadata.managedFields;
  return out;
}

// Measured (docs/benchmarks.md, "The controller's backlog against the bare loop"): during a
// backlog the API server is the limit, and each Event costs it about what a Service's write
// does; Events beside the writes slowed the backlog by a quarter. So none while Service writes
// are in flight (the IPs first), then many at once: 32 in flight, refilled 16 at a time so
// they go out in batches (one socket write for several), which also halves their client CPU.
/** Events in flight when no Service write is. */
export const EVENTS_IN_FLIGHT_ALONE = 32;
/** Refilled when this many or fewer are in flight. */
export const EVENTS_REFILL_AT = 16;
/** An Event held this long goes out one at a time beside the writes: writes that never stop do not starve Events. */
export const EVENT_HOLD_MAX_MS = 30_000;
const MAX_EVENT_BACKLOG = 10_000;

export class ApiServiceWriter implements ServiceWriter {
  private readonly writes: RequestPipeline;
  private readonly events: EventQueue;
  private readonly fieldManager: string;
  private writesInFlight = 0;
  private readonly pumpEvents = (): void => this.events.pump();

  /**
   * `writes` carries the Services' patches (a connection per write in flight, node:http's
   * per-request objects left out); the caller closes it. `now` (ms) times how long Events wait.
   */
  constructor(writes: RequestPipeline, events: Pick<EventRecorder, 'record'>, fieldManager = 'portside-controller', now?: () => number) {
    this.writes = writes;
    this.events = new EventQueue(events, {
      now,
      inFlight: (waited) => (this.writesInFlight === 0 ? EVENTS_IN_FLIGHT_ALONE : waited >= EVENT_HOLD_MAX_MS ? 1 : 0),
      refillAt: EVENTS_REFILL_AT,
      backlog: MAX_EVENT_BACKLOG,
    });
    this.fieldManager = fieldManager;
  }

  async apply(svc: V1Service, patches: ServicePatches): Promise<{ svc: V1Service; resourceVersions: string[] } | undefined> {
    if (!patches.status && !patches.annotations) return undefined;
    this.writesInFlight++;
    try {
      return await this.patch(svc, patches);
    } finally {
      // After this turn: a worker whose write ended starts its next one in it, and the Events stay held.
      if (--this.writesInFlight === 0) setImmediate(this.pumpEvents);
    }
  }

  private async patch(svc: V1Service, patches: ServicePatches): Promise<{ svc: V1Service; resourceVersions: string[] }> {
    const path = `/api/v1/namespaces/${encodeURIComponent(svc.metadata!.namespace!)}/services/${encodeURIComponent(svc.metadata!.name!)}`;
    const resourceVersion = svc.metadata?.resourceVersion;
    const query = `?fieldManager=${encodeURIComponent(this.fieldManager)}`;
    const send = async (method: 'PATCH' | 'PUT', at: string, body: unknown): Promise<V1Service> =>
      withoutManagedFields(JSON.parse(await this.writes.request(method, at + query, JSON.stringify(body), method === 'PUT' ? 'application/json' : PatchType.merge)) as V1Service);
    const versions: string[] = [];
    let out: V1Service;
    // The reconciler keeps what a write returned until the watch catches up: not its managedFields.
    if (patches.status) {
      // One write: the Service status strategy keeps metadata changes, so the IP and the pool
      // annotation land together (atomically) — half the requests of two patches. Sent whole
      // (PUT) when the Service is: the API server spends 15 % less CPU on a replace than on a
      // merge patch of the same change (no patch to apply; docs/benchmarks.md), and the
      // resourceVersion guards both alike. A Service decoded without some field of a newer
      // server is patched: a replace would drop that field.
      out = resourceVersion && whole(svc)
        ? await send('PUT', `${path}/status`, replacement(svc, patches))
        : await send('PATCH', `${path}/status`, { metadata: { resourceVersion, annotations: patches.annotations }, status: patches.status });
      versions.push(out.metadata?.resourceVersion ?? '');
      if (!patches.annotations || annotationsMatch(out, patches.annotations)) return { svc: out, resourceVersions: versions };
      // An apiserver that drops metadata on status writes: set the annotation on its own.
    }
    const body = { metadata: { resourceVersion: versions.at(-1) ?? resourceVersion, annotations: patches.annotations } };
    out = await send('PATCH', path, body);
    versions.push(out.metadata?.resourceVersion ?? '');
    return { svc: out, resourceVersions: versions };
  }

  /**
   * Events are best effort (as client-go's broadcaster): a bounded backlog, the newest dropped
   * when it is full, and a lower priority than the Services' own writes: held while those run
   * (one at a time once the oldest has waited EVENT_HOLD_MAX_MS), so a burst of Services spends
   * the apiserver on their IPs first, then written in batches.
   */
  event(svc: V1Service, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.events.record({ apiVersion: 'v1', kind: 'Service', metadata: svc.metadata ?? {} }, type, reason, message);
  }

  /** Events not written because the backlog was full. */
  droppedEvents(): number {
    return this.events.dropped();
  }
}

// The controller's effects on Services, as a small port: tests pass a recording fake.
import type { V1Service } from '@kubernetes/client-node';
import { EventQueue, PatchType, withoutManagedFields, type EventRecorder, type RequestPipeline } from '../lib/k8s/index.ts';
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

// Measured (docs/benchmarks.md): 8 beside 32 Service writes left the backlog's rate as it was
// with 4 and a third less Event work after the last IP; 16 alone ends that tail sooner.
const EVENTS_IN_FLIGHT_BESIDE_WRITES = 8;
const EVENTS_IN_FLIGHT_ALONE = 16;
const MAX_EVENT_BACKLOG = 10_000;

export class ApiServiceWriter implements ServiceWriter {
  private readonly writes: RequestPipeline;
  private readonly events: EventQueue;
  private readonly fieldManager: string;
  private writesInFlight = 0;

  /**
   * `writes` carries the Services' patches (a connection per write in flight, node:http's
   * per-request objects left out); the caller closes it.
   */
  constructor(writes: RequestPipeline, events: EventRecorder, fieldManager = 'portside-controller') {
    this.writes = writes;
    this.events = new EventQueue(events, {
      inFlight: () => (this.writesInFlight > 0 ? EVENTS_IN_FLIGHT_BESIDE_WRITES : EVENTS_IN_FLIGHT_ALONE),
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
      if (--this.writesInFlight === 0) this.events.pump();
    }
  }

  private async patch(svc: V1Service, patches: ServicePatches): Promise<{ svc: V1Service; resourceVersions: string[] }> {
    const path = `/api/v1/namespaces/${encodeURIComponent(svc.metadata!.namespace!)}/services/${encodeURIComponent(svc.metadata!.name!)}`;
    const resourceVersion = svc.metadata?.resourceVersion;
    const query = `?fieldManager=${encodeURIComponent(this.fieldManager)}`;
    const mergePatch = async (at: string, body: unknown): Promise<V1Service> =>
      withoutManagedFields(JSON.parse(await this.writes.request('PATCH', at + query, JSON.stringify(body), PatchType.merge)) as V1Service);
    const versions: string[] = [];
    let out: V1Service;
    // The reconciler keeps what a write returned until the watch catches up: not its managedFields.
    if (patches.status) {
      // One write: the Service status strategy keeps metadata changes, so the IP and the pool
      // annotation land together (atomically) — half the requests of two patches.
      const body = { metadata: { resourceVersion, annotations: patches.annotations }, status: patches.status };
      out = await mergePatch(`${path}/status`, body);
      versions.push(out.metadata?.resourceVersion ?? '');
      if (!patches.annotations || annotationsMatch(out, patches.annotations)) return { svc: out, resourceVersions: versions };
      // An apiserver that drops metadata on status writes: set the annotation on its own.
    }
    const body = { metadata: { resourceVersion: versions.at(-1) ?? resourceVersion, annotations: patches.annotations } };
    out = await mergePatch(path, body);
    versions.push(out.metadata?.resourceVersion ?? '');
    return { svc: out, resourceVersions: versions };
  }

  /**
   * Events are best effort (as client-go's broadcaster): a bounded backlog, the newest dropped
   * when it is full, and a lower priority than the Services' own writes: fewer in flight while
   * those run, so a burst of Services spends the apiserver on their IPs first, more after.
   */
  event(svc: V1Service, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.events.record({ apiVersion: 'v1', kind: 'Service', metadata: svc.metadata ?? {} }, type, reason, message);
  }

  /** Events not written because the backlog was full. */
  droppedEvents(): number {
    return this.events.dropped();
  }
}

// Serving endpoints per Service, from EndpointSlices (discovery.k8s.io/v1).
import type { V1EndpointConditions, V1EndpointSlice } from '@kubernetes/client-node';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

export interface ServiceEndpoints {
  /** At least one endpoint anywhere can serve. */
  any: boolean;
  /** Nodes hosting at least one endpoint that can serve. */
  nodes: ReadonlySet<string>;
}

const NONE: ServiceEndpoints = { any: false, nodes: new Set() };

/** MetalLB's EndpointCanServe: ready nil/true, or serving true (terminating but still serving). */
export function endpointCanServe(conditions: V1EndpointConditions | undefined): boolean {
  if (conditions?.ready === undefined || conditions.ready === null || conditions.ready) return true;
  return conditions.serving === true;
}

/** Service key ("namespace/name") → its serving endpoints; Services without slices are absent. */
export function indexEndpoints(slices: readonly V1EndpointSlice[]): Map<string, ServiceEndpoints> {
  const out = new Map<string, { any: boolean; nodes: Set<string> }>();
  for (const slice of slices) {
    const name = slice.metadata?.labels?.[SERVICE_NAME_LABEL];
    if (!name) continue;
    const key = `${slice.metadata?.namespace || 'default'}/${name}`;
    const entry = out.get(key) ?? { any: false, nodes: new Set<string>() };
    out.set(key, entry);
    for (const ep of slice.endpoints ?? []) {
      if (!endpointCanServe(ep.conditions)) continue;
      entry.any = true;
      if (ep.nodeName) entry.nodes.add(ep.nodeName);
    }
  }
  return out;
}

export function endpointsOf(index: ReadonlyMap<string, ServiceEndpoints>, serviceKey: string): ServiceEndpoints {
  return index.get(serviceKey) ?? NONE;
}

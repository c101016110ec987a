// The pure planner: Config + Services + EndpointSlices + Nodes → what this node announces.
import { planBgp } from './bgp.ts';
import { endpointsOf, indexEndpoints } from './endpoints.ts';
import { planL2 } from './l2.ts';
import { nodesByName, nodeUnusableReason } from './nodes.ts';
import { type AnnouncedService, announcedServices } from './services.ts';
import { type NodePlan, type PlanInput, SkipReason, type SkippedService } from './types.ts';

function advertised(svc: AnnouncedService, input: PlanInput): AnnouncedService {
  const { l2Advertisements, bgpAdvertisements } = input.config;
  const ips = svc.ips.filter(({ pool }) => [...l2Advertisements, ...bgpAdvertisements].some((a) => a.pools.includes(pool.name)));
  return ips.length === svc.ips.length ? svc : { ...svc, ips };
}

/** Everything this node announces, and why the rest is not. Pure and deterministic. */
export function planNode(input: PlanInput): NodePlan {
  const { services, skipped: serviceSkips } = announcedServices(input.services, input.config, input.lbClass);
  const skipped: SkippedService[] = [...serviceSkips];
  const endpointIndex = indexEndpoints(input.endpointSlices);
  const endpoints = (key: string) => endpointsOf(endpointIndex, key);
  const nodes = nodesByName(input.nodes);
  const self = nodes.get(input.nodeName);
  const selfUnusable = nodeUnusableReason(self);

  const serving: AnnouncedService[] = [];
  for (const svc of services) {
    const withAdverts = advertised(svc, input);
    for (const { text } of svc.ips.filter((i) => !withAdverts.ips.includes(i))) {
      skipped.push({ service: svc.key, ip: text, reason: SkipReason.PoolNotAdvertised });
    }
    if (withAdverts.ips.length === 0) continue;
    // MetalLB announces nothing, on either protocol, for a Service no endpoint can serve.
    if (!endpoints(svc.key).any) { skipped.push({ service: svc.key, reason: SkipReason.NoEndpoints }); continue; }
    if (selfUnusable) skipped.push({ service: svc.key, reason: selfUnusable });
    serving.push(withAdverts);
  }

  const usableNodes = new Map([...nodes].filter(([, node]) => nodeUnusableReason(node) === undefined));
  const { l2, skipped: l2Skips } = planL2(serving, {
    config: input.config, nodeName: input.nodeName, usableNodes, endpoints, liveNodes: input.liveNodes,
  });
  const bgpPlan = selfUnusable
    ? { bgp: new Map(), bgpServices: new Map(), skipped: [] }
    : planBgp(serving, {
      config: input.config,
      nodeName: input.nodeName,
      nodeLabels: self?.metadata?.labels ?? {},
      localEndpoint: (key) => endpoints(key).nodes.has(input.nodeName),
    });
  return {
    bgp: bgpPlan.bgp,
    bgpServices: bgpPlan.bgpServices,
    l2,
    l2Owned: l2.filter((p) => p.owner === input.nodeName),
    skipped: [...skipped, ...bgpPlan.skipped, ...l2Skips],
  };
}

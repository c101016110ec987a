// Public surface of the planner: what this node announces (BGP routes per peer, L2 IPs).
export { planNode } from './plan.ts';
export { diffRoutes, type RouteDiff } from './diff.ts';
export { endpointCanServe, indexEndpoints, SERVICE_NAME_LABEL, type ServiceEndpoints } from './endpoints.ts';
export { EXCLUDE_LABEL, nodeUnusableReason } from './nodes.ts';
export { aggregatePrefix, selects } from './bgp.ts';
export { poolForIp } from './services.ts';
export { SkipReason } from './types.ts';
export type { L2Plan, NodePlan, PlanInput, SkippedService } from './types.ts';

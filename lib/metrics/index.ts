export { createRegistry, MetricsFacade, Registry } from './registry.ts';
export type { RegistryOptions } from './registry.ts';
export { parseListenAddress, startMetricsServer } from './server.ts';
export type { HealthCheck, ListenAddress, MetricsServer, MetricsServerOptions } from './server.ts';
export { K8sClientStats } from './k8s-client.ts';

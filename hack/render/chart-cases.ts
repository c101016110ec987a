// The values the chart is checked with: defaults, Prometheus Operator scraping, and every
// kind of value the chart takes in another release and namespace. config/manifests.test.ts
// lints and renders each; e2e/install/manifests.apiserver.test.ts dry-runs each.
import type { ChartOptions } from './tools.ts';

export interface ChartCase extends ChartOptions {
  name: string;
  values: Record<string, unknown>;
  /** Whether it renders ServiceMonitors (monitoring.coreos.com/v1). */
  serviceMonitors: boolean;
}

const defaults: ChartCase = {
  name: 'default values', releaseName: 'portside', namespace: 'portside-system', values: {}, serviceMonitors: false,
};
const monitoring: ChartCase = {
  ...defaults, name: 'prometheus.serviceMonitor.enabled',
  values: { prometheus: { serviceMonitor: { enabled: true } } }, serviceMonitors: true,
};
const custom: ChartCase = {
  name: 'custom image, replicas and tolerations in namespace lb', releaseName: 'p', namespace: 'lb',
  values: { image: { tag: '9.9.9' }, controller: { replicas: 3 }, speaker: { tolerations: [] } }, serviceMonitors: false,
};

const hostFrr: ChartCase = {
  ...defaults, name: 'speaker.bgpBackend host-frr', values: { speaker: { bgpBackend: 'host-frr' } },
};

const frr: ChartCase = {
  ...defaults, name: 'speaker.bgpBackend frr', values: { speaker: { bgpBackend: 'frr' } },
};

export const CHART_CASES = { defaults, monitoring, custom, hostFrr, frr } as const;

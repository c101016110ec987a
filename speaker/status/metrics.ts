// The speaker's own metrics (MetalLB's `announced`, portside_ prefix) over its registry; the
// k8s_client ones (config loaded/stale, updates and their errors) are K8sClientStats', the
// same names the controller exports, as MetalLB's speaker and controller both do.
import { Gauge } from 'prom-client';
import { K8sClientStats, type Registry } from '../../lib/metrics/index.ts';

export type AnnounceProtocol = 'bgp' | 'layer2';

export interface AnnouncedEntry {
  service: string;
  protocol: AnnounceProtocol;
  ip: string;
}

type AnnouncedLabel = 'service' | 'protocol' | 'node' | 'ip';

/**
 * `announced` as the last plan left it, its series made when scraped: prom-client's gauge keeps
 * a label string and two objects per series, 2.2 MB of live heap at 10,000 Services, and a list
 * of the entries kept between scrapes 1.4 MB more (docs/benchmarks.md); this keeps a function
 * that lists them from the last plan.
 */
class AnnouncedGauge extends Gauge<AnnouncedLabel> {
  node = '';
  entries: () => readonly AnnouncedEntry[] = () => [];

  override async get(): ReturnType<Gauge<AnnouncedLabel>['get']> {
    const { node } = this;
    const metric = await super.get(); // its own series: none, nothing is ever set
    return { ...metric, values: this.entries().map((e) => ({ value: 1, labels: { service: e.service, protocol: e.protocol, node, ip: e.ip } })) };
  }
}

export class SpeakerStats extends K8sClientStats {
  private readonly announced = new AnnouncedGauge({
    name: 'portside_speaker_announced',
    help: 'Service IPs this node announces (1), by protocol.',
    labelNames: ['service', 'protocol', 'node', 'ip'],
    registers: [this.registry],
  });
  private readonly plans = this.histogram('portside_speaker_plan_seconds', 'Time to plan and apply the announcements.', [0.001, 0.005, 0.02, 0.1, 0.5]);
  private readonly livePeers = this.gauge('portside_speaker_liveness_peers', 'Watched liveness peers by state.', ['state']);

  constructor(registry?: Registry) {
    super(registry);
  }

  /**
   * Sets the gauge to exactly `entries` (series of IPs no longer announced are gone); a function
   * is called at each scrape instead of its list being kept.
   */
  setAnnounced(node: string, entries: readonly AnnouncedEntry[] | (() => readonly AnnouncedEntry[])): void {
    this.announced.node = node;
    this.announced.entries = typeof entries === 'function' ? entries : () => entries;
  }

  planned(seconds: number): void {
    this.plans.observe(seconds);
  }

  liveness(alive: number, watched: number): void {
    this.livePeers.set({ state: 'alive' }, alive);
    this.livePeers.set({ state: 'notAlive' }, watched - alive);
  }
}

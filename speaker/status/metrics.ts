// The speaker's own metrics (MetalLB's `announced`, portside_ prefix) over its registry; the
// k8s_client ones (config loaded/stale, updates and their errors) are K8sClientStats', the
// same names the controller exports, as MetalLB's speaker and controller both do.
import { K8sClientStats, type Registry } from '../../lib/metrics/index.ts';

export type AnnounceProtocol = 'bgp' | 'layer2';

export class SpeakerStats extends K8sClientStats {
  private readonly announced = this.gauge(
    'portside_speaker_announced',
    'Service IPs this node announces (1), by protocol.',
    ['service', 'protocol', 'node', 'ip'],
  );
  private readonly plans = this.histogram('portside_speaker_plan_seconds', 'Time to plan and apply the announcements.', [0.001, 0.005, 0.02, 0.1, 0.5]);
  private readonly livePeers = this.gauge('portside_speaker_liveness_peers', 'Watched liveness peers by state.', ['state']);
  private current = new Set<string>();

  constructor(registry?: Registry) {
    super(registry);
  }

  /** Sets the gauge to exactly `entries` (series of IPs no longer announced are removed). */
  setAnnounced(node: string, entries: readonly { service: string; protocol: AnnounceProtocol; ip: string }[]): void {
    const next = new Set<string>();
    for (const e of entries) {
      const labels = { service: e.service, protocol: e.protocol, node, ip: e.ip };
      next.add(JSON.stringify(labels));
      this.announced.set(labels, 1);
    }
    for (const key of this.current) if (!next.has(key)) this.announced.remove(JSON.parse(key) as Record<string, string>);
    this.current = next;
  }

  planned(seconds: number): void {
    this.plans.observe(seconds);
  }

  liveness(alive: number, watched: number): void {
    this.livePeers.set({ state: 'alive' }, alive);
    this.livePeers.set({ state: 'notAlive' }, watched - alive);
  }
}

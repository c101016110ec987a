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

  constructor(registry?: Registry) {
    super(registry);
  }

  /**
   * Sets the gauge to exactly `entries` (series of IPs no longer announced are gone). Cleared
   * and set again rather than diffed against a remembered copy of the label sets: that copy
   * was 1 MB of live heap at 10,000 Services, and `set` hashes every label set either way.
   */
  setAnnounced(node: string, entries: readonly { service: string; protocol: AnnounceProtocol; ip: string }[]): void {
    this.announced.reset();
    for (const e of entries) this.announced.set({ service: e.service, protocol: e.protocol, node, ip: e.ip }, 1);
  }

  planned(seconds: number): void {
    this.plans.observe(seconds);
  }

  liveness(alive: number, watched: number): void {
    this.livePeers.set({ state: 'alive' }, alive);
    this.livePeers.set({ state: 'notAlive' }, watched - alive);
  }
}

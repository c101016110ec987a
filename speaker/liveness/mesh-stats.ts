// Metrics of the liveness mesh behind a typed facade: heartbeats dropped by reason (wrong
// key, unknown node, wrong source, malformed, replayed …), so bad heartbeats on the segment
// show on /metrics and not only in LivenessMesh.stats().
import { MetricsFacade, type Registry } from '../../lib/metrics/index.ts';
import type { DropReason } from './mesh.ts';

export class MeshStats extends MetricsFacade {
  readonly #dropped = this.counter('portside_speaker_liveness_heartbeats_dropped_total', 'Liveness heartbeats dropped (UDP or frame), by reason', ['reason']);
  readonly #droppedOf = this.childrenOf(this.#dropped, 'reason');

  constructor(registry?: Registry) {
    super(registry);
  }

  dropped(reason: DropReason): void {
    this.#droppedOf(reason).inc();
  }
}

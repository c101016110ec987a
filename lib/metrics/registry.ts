// A base for typed metric facades over a private prom-client Registry: a package defines
// `class SpeakerStats extends MetricsFacade { sentGratuitous(ip) {…} }`, never calling the
// global registry, so nothing registers at import time and tests get fresh registries.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export { Registry };

export interface RegistryOptions {
  /** Process metrics (CPU, memory, event loop lag) with this prefix, e.g. 'portside_controller_'. */
  defaultMetricsPrefix?: string;
}

export function createRegistry(opts: RegistryOptions = {}): Registry {
  const registry = new Registry();
  if (opts.defaultMetricsPrefix !== undefined) {
    collectDefaultMetrics({ register: registry, prefix: opts.defaultMetricsPrefix });
    // prom-client takes the start time when its module is evaluated: in the controller's
    // startup snapshot (bin/controller-snapshot.ts) that is when the image was built.
    const name = `${opts.defaultMetricsPrefix}process_start_time_seconds`;
    registry.removeSingleMetric(name);
    const started = Math.round(Date.now() / 1000 - process.uptime());
    new Gauge({ name, help: 'Start time of the process since unix epoch in seconds.', registers: [registry] }).set(started);
  }
  return registry;
}

export abstract class MetricsFacade {
  protected readonly registry: Registry;

  constructor(registry: Registry = new Registry()) {
    this.registry = registry;
  }

  protected counter<L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return new Counter({ name, help, labelNames: [...labelNames], registers: [this.registry] });
  }

  /**
   * The child of `counter` for each value of its one label, made once: prom-client hashes
   * the label object on every inc, which a hot path (a flood counted frame by frame) pays for.
   * Only for labels with few values.
   */
  protected childrenOf<L extends string>(counter: Counter<L>, label: L): (value: string) => { inc(by?: number): void } {
    const children = new Map<string, { inc(by?: number): void }>();
    return (value) => {
      let child = children.get(value);
      if (!child) {
        child = counter.labels({ [label]: value } as Partial<Record<L, string>>);
        children.set(value, child);
      }
      return child;
    };
  }

  protected gauge<L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): Gauge<L> {
    return new Gauge({ name, help, labelNames: [...labelNames], registers: [this.registry] });
  }

  protected histogram<L extends string = never>(
    name: string,
    help: string,
    buckets: number[],
    labelNames: readonly L[] = [],
  ): Histogram<L> {
    return new Histogram({ name, help, buckets, labelNames: [...labelNames], registers: [this.registry] });
  }
}

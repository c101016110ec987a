// MetalLB's k8s_client metrics (internal/k8s/controllers/stats.go), which its controller and
// its speaker both export under the same names: the controller's and the speaker's facades
// extend this one, so `portside_k8s_client_*` means the same thing in both processes.
import { MetricsFacade } from './registry.ts';

export class K8sClientStats extends MetricsFacade {
  private readonly configLoaded = this.gauge('portside_k8s_client_config_loaded_bool', '1 when a valid configuration is in use');
  private readonly configStale = this.gauge('portside_k8s_client_config_stale_bool', '1 when the latest configuration is invalid: an older one serves, or none');
  private readonly updates = this.counter('portside_k8s_client_updates_total', 'Object updates processed (one reconcile of one key), as MetalLB counts them');
  private readonly updateErrors = this.counter('portside_k8s_client_update_errors_total', 'Object updates whose processing failed (and is retried)');

  /** `loaded`: a valid configuration serves; `stale`: the latest one is invalid (an older one or none serves). */
  config(loaded: boolean, stale: boolean): void {
    this.configLoaded.set(loaded ? 1 : 0);
    this.configStale.set(stale ? 1 : 0);
  }

  /** One reconcile of one key ended, `ok` or failed (MetalLB: updates.Inc, and updateErrors.Inc on error). */
  update(ok: boolean): void {
    this.updates.inc();
    if (!ok) this.updateErrors.inc();
  }

  /** Runs one reconcile and counts it; its error is rethrown for the queue to retry. */
  async counted<T>(reconcile: () => Promise<T>): Promise<T> {
    let ok = false;
    try {
      const result = await reconcile();
      ok = true;
      return result;
    } finally {
      this.update(ok);
    }
  }
}

// The controller's metrics, behind one typed facade over a private registry (the
// k8s_client ones come from K8sClientStats, shared with the speaker as in MetalLB).
import { K8sClientStats } from '../lib/metrics/index.ts';
import type { Registry } from '../lib/metrics/index.ts';
import type { PoolStats } from './allocator/index.ts';

export class ControllerMetrics extends K8sClientStats {
  private readonly addressesTotal = this.gauge('portside_allocator_addresses_total', 'Usable addresses in a pool', ['pool', 'family']);
  private readonly addressesInUse = this.gauge('portside_allocator_addresses_in_use_total', 'Addresses in use in a pool', ['pool', 'family']);
  private readonly servicesAllocated = this.gauge('portside_allocator_services_allocated_total', 'Services holding an IP of a pool', ['pool']);
  private readonly allocations = this.counter('portside_allocator_allocations_total', 'Allocation decisions by result', ['result']);
  private readonly reconcileSeconds = this.histogram('portside_controller_reconcile_duration_seconds', 'Time to reconcile one key',
    [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5], ['kind']);
  private readonly leader = this.gauge('portside_controller_leader_bool', '1 while this replica holds the lease');

  constructor(registry: Registry) {
    super(registry);
  }

  poolStats(pool: string, stats: PoolStats, services: number): void {
    this.servicesAllocated.set({ pool }, services);
    // Gauges are floats: a /64 is approximate here; the IPAddressPool status carries the exact count.
    this.addressesTotal.set({ pool, family: 'ipv4' }, Number(stats.assignedIPv4 + stats.availableIPv4));
    this.addressesTotal.set({ pool, family: 'ipv6' }, Number(stats.assignedIPv6 + stats.availableIPv6));
    this.addressesInUse.set({ pool, family: 'ipv4' }, Number(stats.assignedIPv4));
    this.addressesInUse.set({ pool, family: 'ipv6' }, Number(stats.assignedIPv6));
  }

  poolRemoved(pool: string): void {
    this.servicesAllocated.remove({ pool });
    for (const family of ['ipv4', 'ipv6']) {
      this.addressesTotal.remove({ pool, family });
      this.addressesInUse.remove({ pool, family });
    }
  }

  allocation(result: string): void {
    this.allocations.inc({ result });
  }

  reconciled(kind: string, seconds: number): void {
    this.reconcileSeconds.observe({ kind }, seconds);
  }

  leading(isLeader: boolean): void {
    this.leader.set(isLeader ? 1 : 0);
  }
}

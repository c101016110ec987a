// Pure: what a Service's status, annotation and condition should say after an allocation
// decision, and whether that differs from what it says now.
import type { V1Condition, V1LoadBalancerIngress, V1Service } from '@kubernetes/client-node';
import { formatIp, parseIp } from '../lib/ip/index.ts';
import type { IpAddress } from '../lib/ip/index.ts';
import type { PendingReason } from './allocator/index.ts';

export const ALLOCATED_CONDITION = 'portside.dev/Allocated';
export const POOL_ANNOTATION = 'portside.dev/ip-allocated-from-pool';

/** The outcome the Service should show. `pool` undefined = no allocation. */
export interface DesiredServiceState {
  readonly ips: readonly IpAddress[];
  readonly pool: string | undefined;
  readonly condition: { status: 'True' | 'False'; reason: string; message: string };
}

export function allocatedState(ips: readonly IpAddress[], pool: string): DesiredServiceState {
  const list = ips.map(formatIp).join(', ');
  return { ips, pool, condition: { status: 'True', reason: 'Allocated', message: `${list} from pool ${pool}` } };
}

export function pendingState(reason: PendingReason): DesiredServiceState {
  return { ips: [], pool: undefined, condition: { status: 'False', reason: reason.reason, message: reason.message } };
}

/** The IPs the Service's status shows now, skipping entries that are not IPs (hostnames). */
export function statusIPs(svc: V1Service): IpAddress[] {
  const out: IpAddress[] = [];
  for (const ingress of svc.status?.loadBalancer?.ingress ?? []) {
    const ip = ingress.ip === undefined ? undefined : parseIp(ingress.ip);
    if (ip) out.push(ip);
  }
  return out;
}

export interface ServicePatches {
  /** Merge patch for the status subresource, undefined when nothing changes. */
  readonly status: Record<string, unknown> | undefined;
  /** Merge patch for metadata.annotations, undefined when nothing changes. */
  readonly annotations: Record<string, string | null> | undefined;
}

function sameIngress(current: readonly V1LoadBalancerIngress[], ips: readonly IpAddress[]): boolean {
  return current.length === ips.length && current.every((c, i) => c.ip === formatIp(ips[i]!) && !c.hostname);
}

/** Computes the minimal patches that make `svc` show `desired`; `now` stamps a changed condition. */
export function servicePatches(svc: V1Service, desired: DesiredServiceState, now: Date): ServicePatches {
  const conditions = svc.status?.conditions ?? [];
  const ours = conditions.find((c) => c.type === ALLOCATED_CONDITION);
  const want = desired.condition;
  const conditionSame = ours?.status === want.status && ours.reason === want.reason && ours.message === want.message &&
    ours.observedGeneration === svc.metadata?.generation;
  const ingressSame = sameIngress(svc.status?.loadBalancer?.ingress ?? [], desired.ips);
  let status: Record<string, unknown> | undefined;
  if (!conditionSame || !ingressSame) {
    const condition: V1Condition = {
      type: ALLOCATED_CONDITION,
      status: want.status,
      reason: want.reason,
      message: want.message,
      observedGeneration: svc.metadata?.generation,
      lastTransitionTime: ours && ours.status === want.status ? ours.lastTransitionTime : now,
    };
    status = {
      // Merge patch replaces lists whole: keep other controllers' conditions.
      conditions: [...conditions.filter((c) => c.type !== ALLOCATED_CONDITION), condition],
      loadBalancer: { ingress: desired.ips.map((ip) => ({ ip: formatIp(ip), ipMode: 'VIP' })) },
    };
  }
  const currentPool = svc.metadata?.annotations?.[POOL_ANNOTATION];
  const annotations = currentPool === desired.pool ? undefined : { [POOL_ANNOTATION]: desired.pool ?? null };
  return { status, annotations };
}

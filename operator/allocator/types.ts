// Plain inputs and outputs of the allocator: no Kubernetes objects, no config parsing.
import type { IpAddress, IpRange } from '../../lib/ip/index.ts';
import type { LabelSelector } from '../../lib/selector/index.ts';

/** A label selector as the pool spec writes it (metav1.LabelSelector shape). */
export type LabelSelectorLike = LabelSelector;

/** The part of an IPAddressPool the allocator needs, already parsed and validated. */
export interface AllocatorPool {
  readonly name: string;
  readonly ranges: readonly IpRange[];
  /** Pools with autoAssign off serve only requested IPs and the address-pool annotation. */
  readonly autoAssign: boolean;
  /** Skip IPv4 addresses ending in .0 and .255: they are not part of the pool at all. */
  readonly avoidBuggyIPs: boolean;
  readonly serviceAllocation?: {
    /** Lower number first; unset or 0 = after every set priority. */
    readonly priority?: number | undefined;
    readonly namespaces: readonly string[];
    readonly namespaceSelectors: readonly LabelSelectorLike[];
    readonly serviceSelectors: readonly LabelSelectorLike[];
  } | undefined;
}

/** Labels of a namespace, undefined when the namespace is not known (then no selector matches it). */
export type NamespaceLabels = (namespace: string) => Readonly<Record<string, string>> | undefined;

export const PENDING_REASONS = [
  'NoPoolMatches',
  'PoolExhausted',
  'RequestedIPInUse',
  'RequestedIPNotInAnyPool',
  'RequestedIPNotAllowed',
  'SharingRefused',
  'PoolNotFound',
  'PoolNotAllowed',
  'FamilyUnavailable',
  'InvalidRequest',
  /** The pool the Service asks for exists, but its object is invalid (see ConfigurationState). */
  'PoolInvalid',
  /** No valid configuration has loaded yet (see ConfigurationState). */
  'ConfigInvalid',
] as const;

export type PendingReasonCode = (typeof PENDING_REASONS)[number];

/** Why a Service has no IP (or lost one): a stable code for conditions and metrics, a message for people. */
export interface PendingReason {
  readonly reason: PendingReasonCode;
  readonly message: string;
}

export type AssignResult =
  | {
    readonly ok: true;
    /** In the Service's family order (spec.ipFamilies). */
    readonly ips: readonly IpAddress[];
    readonly pool: string;
    /** False when the Service already held exactly these IPs before the call. */
    readonly changed: boolean;
  }
  | { readonly ok: false; readonly reason: PendingReason };

export interface RejectedIp {
  readonly ip: IpAddress;
  readonly reason: PendingReason;
}

/** adopt() keeps what is still valid of a Service's status and says why it dropped the rest. */
export type AdoptResult =
  | { readonly ok: true; readonly ips: readonly IpAddress[]; readonly pool: string; readonly rejected: readonly RejectedIp[] }
  | { readonly ok: false; readonly reason: PendingReason; readonly rejected: readonly RejectedIp[] };

export interface Assignment {
  readonly pool: string;
  readonly ips: readonly IpAddress[];
}

/** IPAddressPool status. bigint: a /64 has 2^64 addresses, which int64 and number cannot hold. */
export interface PoolStats {
  readonly assignedIPv4: bigint;
  readonly assignedIPv6: bigint;
  readonly availableIPv4: bigint;
  readonly availableIPv6: bigint;
}

export interface SetPoolsResult {
  /** Services that lost at least one IP (pool gone, range shrunk, avoidBuggyIPs, no longer admitted), sorted. */
  readonly toClear: readonly string[];
}

export function pending(reason: PendingReasonCode, message: string): { ok: false; reason: PendingReason } {
  return { ok: false, reason: { reason, message } };
}

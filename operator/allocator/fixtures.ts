// Test fixtures (not a test): terse pools and Services. Documentation addresses only.
import assert from 'node:assert/strict';
import { type IpAddress, type IpRange, formatIp, parseAddressRange, parseIp } from '../../lib/ip/index.ts';
import type { ServiceKnobs } from '../../lib/service/knobs.ts';
import type { AllocatorPool, AssignResult, PendingReasonCode } from './types.ts';

export function ip(text: string): IpAddress {
  const a = parseIp(text);
  assert.ok(a, `bad test IP ${text}`);
  return a;
}

export function range(text: string): IpRange {
  const r = parseAddressRange(text);
  assert.ok(r.ok, `bad test range ${text}`);
  return r.value;
}

export function pool(name: string, addresses: readonly string[], extra: Partial<AllocatorPool> = {}): AllocatorPool {
  return { name, ranges: addresses.map(range), autoAssign: true, avoidBuggyIPs: false, ...extra };
}

export function allocation(
  sa: Partial<NonNullable<AllocatorPool['serviceAllocation']>>,
): NonNullable<AllocatorPool['serviceAllocation']> {
  return { namespaces: [], namespaceSelectors: [], serviceSelectors: [], ...sa };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
export type SvcOptions = Partial<Omit<Mutable<ServiceKnobs>, 'key' | 'requestedIPs' | 'ports'>> & {
  requested?: readonly string[];
  /** "TCP/80" style. */
  ports?: readonly string[];
};

/** A SingleStack IPv4, Cluster-policy Service with TCP/80, unless told otherwise. */
export function svc(key: string, o: SvcOptions = {}): ServiceKnobs {
  const [namespace, name] = key.split('/') as [string, string];
  const { requested, ports, ...rest } = o;
  return {
    key, namespace, name,
    labels: {},
    loadBalancerClass: undefined,
    poolName: undefined,
    sharingKey: undefined,
    families: [4],
    familyPolicy: 'SingleStack',
    externalTrafficPolicy: 'Cluster',
    backendKey: `app=${name}`,
    ...rest,
    requestedIPs: (requested ?? []).map(ip),
    ports: (ports ?? ['TCP/80']).map((p) => {
      const [protocol, port] = p.split('/') as ['TCP' | 'UDP' | 'SCTP', string];
      return { protocol, port: Number(port) };
    }),
  };
}

/** Asserts success and returns the IPs as text. */
export function okIps(r: AssignResult, pool?: string): string[] {
  assert.ok(r.ok, r.ok ? '' : `expected an IP, got ${r.reason.reason}: ${r.reason.message}`);
  if (pool !== undefined) assert.equal(r.pool, pool);
  return r.ips.map(formatIp);
}

/** Asserts failure with this reason; returns the message. */
export function failure(r: AssignResult, reason: PendingReasonCode, message?: RegExp): string {
  assert.ok(!r.ok, r.ok ? `expected ${reason}, got ${r.ips.map(formatIp).join(', ')} from ${r.pool}` : '');
  assert.equal(r.reason.reason, reason, r.reason.message);
  if (message) assert.match(r.reason.message, message);
  return r.reason.message;
}

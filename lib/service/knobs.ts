// What a Service asks of Portside, parsed in one place from its spec and annotations.
import type { V1Service, V1ServicePort } from '@kubernetes/client-node';
import type { Family, IpAddress } from '../ip/index.ts';
import { canonicalSelector } from '../selector/index.ts';
import { readKnobAnnotation } from './annotations.ts';
import { serviceFamilies } from './families.ts';
import { requestedIps } from './requested.ts';

export type FamilyPolicy = 'SingleStack' | 'PreferDualStack' | 'RequireDualStack';

export interface ServicePort {
  readonly protocol: 'TCP' | 'UDP' | 'SCTP';
  readonly port: number;
}

/** Everything the allocator and planner need to know about one LoadBalancer Service. */
export interface ServiceKnobs {
  /** "namespace/name". */
  readonly key: string;
  readonly namespace: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** spec.loadBalancerClass, undefined when unset. */
  readonly loadBalancerClass: string | undefined;
  /** Explicit IPs from the loadBalancerIPs annotation or spec.loadBalancerIP (≤ 2, distinct families). */
  readonly requestedIPs: readonly IpAddress[];
  /** The address-pool annotation. */
  readonly poolName: string | undefined;
  /** The allow-shared-ip annotation. */
  readonly sharingKey: string | undefined;
  /** Families in order of preference (spec.ipFamilies; falls back to the clusterIP families). */
  readonly families: readonly Family[];
  readonly familyPolicy: FamilyPolicy;
  readonly ports: readonly ServicePort[];
  readonly externalTrafficPolicy: 'Cluster' | 'Local';
  /** Stable key of spec.selector: Services sharing an IP with Local policy must have the same. */
  readonly backendKey: string;
}

export interface KnobError {
  /** The field or annotation at fault, e.g. `metadata.annotations["portside.dev/loadBalancerIPs"]`. */
  readonly field: string;
  readonly message: string;
}

export type KnobsResult = { ok: true; value: ServiceKnobs } | { ok: false; errors: KnobError[] };

export function isLoadBalancer(svc: V1Service): boolean {
  return svc.spec?.type === 'LoadBalancer';
}

/** With no --lb-class flag Portside handles Services without a class; with one, exactly that class. */
export function handledByClass(svc: V1Service, flagClass: string | undefined): boolean {
  const cls = svc.spec?.loadBalancerClass || undefined;
  return flagClass ? cls === flagClass : cls === undefined;
}

const PROTOCOLS: readonly string[] = ['TCP', 'UDP', 'SCTP'];

function parsePorts(ports: readonly V1ServicePort[] | undefined, errors: KnobError[]): ServicePort[] {
  const out: ServicePort[] = [];
  (ports ?? []).forEach((p, i) => {
    const protocol = p.protocol || 'TCP';
    if (!PROTOCOLS.includes(protocol)) {
      errors.push({ field: `spec.ports[${i}].protocol`, message: `unknown protocol "${protocol}": use TCP, UDP or SCTP` });
    } else if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535) {
      errors.push({ field: `spec.ports[${i}].port`, message: `port ${String(p.port)} is out of range: use 1-65535` });
    } else out.push({ protocol: protocol as ServicePort['protocol'], port: p.port });
  });
  return out;
}

function trafficPolicy(value: string | undefined, errors: KnobError[]): 'Cluster' | 'Local' {
  // "OnlyLocal" and "Global" are the values Kubernetes used before 1.7.
  if (value === 'Local' || value === 'OnlyLocal') return 'Local';
  if (value === undefined || value === '' || value === 'Cluster' || value === 'Global') return 'Cluster';
  errors.push({ field: 'spec.externalTrafficPolicy', message: `unknown externalTrafficPolicy "${value}": use Cluster or Local` });
  return 'Cluster';
}

function optionalAnnotation(svc: V1Service, knob: 'address-pool' | 'allow-shared-ip', errors: KnobError[]): string | undefined {
  const a = readKnobAnnotation(svc.metadata?.annotations, knob);
  if (!a.ok) { errors.push(a.error); return undefined; }
  if (a.value === '' && knob === 'address-pool') {
    errors.push({ field: a.field, message: 'the address pool name is empty: name an IPAddressPool or remove the annotation' });
  }
  return a.value || undefined;
}

function parseKnobs(svc: V1Service): KnobsResult {
  const errors: KnobError[] = [];
  const name = svc.metadata?.name ?? '';
  const namespace = svc.metadata?.namespace || 'default';
  if (name === '') errors.push({ field: 'metadata.name', message: 'the Service has no name' });
  const spec = svc.spec ?? {};
  const requested = requestedIps(svc);
  errors.push(...requested.errors);
  const fam = serviceFamilies(spec, [...new Set(requested.ips.map((ip) => ip.family))]);
  errors.push(...fam.errors);
  for (const ip of requested.ips) {
    if (!fam.families.includes(ip.family)) {
      errors.push({ field: requested.field, message: `an IPv${ip.family} address is requested but the Service's IP families are ${fam.families.map((f) => `IPv${f}`).join(', ')}: request an address of the Service's family` });
    }
  }
  if (fam.policy === 'RequireDualStack' && requested.ips.length === 1) {
    errors.push({ field: requested.field, message: 'the Service requires dual stack but requests one address: request one IPv4 and one IPv6 address, or none' });
  }
  const poolName = optionalAnnotation(svc, 'address-pool', errors);
  const sharingKey = optionalAnnotation(svc, 'allow-shared-ip', errors);
  const ports = parsePorts(spec.ports, errors);
  const externalTrafficPolicy = trafficPolicy(spec.externalTrafficPolicy, errors);
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    value: {
      key: `${namespace}/${name}`,
      namespace,
      name,
      labels: { ...(svc.metadata?.labels ?? {}) },
      loadBalancerClass: spec.loadBalancerClass || undefined,
      requestedIPs: requested.ips,
      poolName,
      sharingKey,
      families: fam.families,
      familyPolicy: fam.policy,
      ports,
      externalTrafficPolicy,
      backendKey: canonicalSelector({ matchLabels: spec.selector ?? {} }),
    },
  };
}

/** Everything Portside reads from a Service, or every problem with it. Never throws. */
export function parseServiceKnobs(svc: V1Service): KnobsResult {
  try {
    return parseKnobs(svc);
  } catch (err) {
    return { ok: false, errors: [{ field: '', message: `unexpected error reading the Service: ${err instanceof Error ? err.message : String(err)}` }] };
  }
}

// The Services Portside announces, each IP resolved to its pool.
import type { V1Service } from '@kubernetes/client-node';
import type { Config, Pool } from '../../lib/config/index.ts';
import { type IpAddress, formatIp, parseIp, rangeContains } from '../../lib/ip/index.ts';
import { compareCodePoints } from '../../lib/order/index.ts';
import type { Labels } from '../../lib/selector/index.ts';
import { ANNOTATION_PREFIXES, handledByClass, isLoadBalancer } from '../../lib/service/index.ts';
import { SkipReason, type SkippedService } from './types.ts';

export interface ServiceIp {
  readonly ip: IpAddress;
  /** Canonical text. */
  readonly text: string;
  readonly pool: Pool;
}

export interface AnnouncedService {
  /** "namespace/name". */
  readonly key: string;
  readonly labels: Labels;
  /** externalTrafficPolicy Local: only nodes with a serving endpoint announce. */
  readonly local: boolean;
  readonly ips: readonly ServiceIp[];
}

export function serviceKey(svc: V1Service): string {
  return `${svc.metadata?.namespace || 'default'}/${svc.metadata?.name ?? ''}`;
}

function allocatedPoolName(svc: V1Service): string | undefined {
  const annotations = svc.metadata?.annotations ?? {};
  for (const prefix of ANNOTATION_PREFIXES) {
    const value = annotations[`${prefix}ip-allocated-from-pool`]?.trim();
    if (value) return value;
  }
  return undefined;
}

/** The annotated pool when it holds the IP (it may be stale after a config change), else the pool that does. */
export function poolForIp(config: Config, ip: IpAddress, annotated: string | undefined): Pool | undefined {
  const holds = (p: Pool) => p.ranges.some((r) => rangeContains(r, ip));
  const named = annotated === undefined ? undefined : config.pools.get(annotated);
  if (named && holds(named)) return named;
  return [...config.pools.values()].find(holds);
}

function isLocal(svc: V1Service): boolean {
  const policy = svc.spec?.externalTrafficPolicy;
  // "OnlyLocal" is the pre-1.7 spelling.
  return policy === 'Local' || policy === 'OnlyLocal';
}

/** LoadBalancer Services of our class with at least one IP in a known pool, sorted by key. */
export function announcedServices(
  services: readonly V1Service[], config: Config, lbClass: string | undefined,
): { services: AnnouncedService[]; skipped: SkippedService[] } {
  const out: AnnouncedService[] = [];
  const skipped: SkippedService[] = [];
  for (const svc of services) {
    if (!isLoadBalancer(svc) || !handledByClass(svc, lbClass) || !svc.metadata?.name) continue;
    const key = serviceKey(svc);
    const texts = (svc.status?.loadBalancer?.ingress ?? []).flatMap((i) => (i.ip ? [i.ip] : []));
    if (texts.length === 0) { skipped.push({ service: key, reason: SkipReason.NoIngress }); continue; }
    const annotated = allocatedPoolName(svc);
    const ips = new Map<string, ServiceIp>();
    for (const raw of texts) {
      const ip = parseIp(raw);
      if (!ip) { skipped.push({ service: key, ip: raw, reason: SkipReason.InvalidIp }); continue; }
      const text = formatIp(ip);
      const pool = poolForIp(config, ip, annotated);
      if (!pool) skipped.push({ service: key, ip: text, reason: SkipReason.NoPool });
      else ips.set(text, { ip, text, pool });
    }
    if (ips.size > 0) {
      out.push({ key, labels: svc.metadata.labels ?? {}, local: isLocal(svc), ips: [...ips.values()] });
    }
  }
  out.sort((a, b) => compareCodePoints(a.key, b.key));
  return { services: out, skipped };
}

// Explicitly requested IPs: the loadBalancerIPs annotation or the deprecated spec.loadBalancerIP.
import type { V1Service } from '@kubernetes/client-node';
import { type IpAddress, formatIp, parseIp } from '../ip/index.ts';
import { readKnobAnnotation } from './annotations.ts';
import type { KnobError } from './knobs.ts';

export interface RequestedIps {
  ips: IpAddress[];
  /** Where they came from, for later errors (e.g. a family mismatch). */
  field: string;
  errors: KnobError[];
}

export function requestedIps(svc: V1Service): RequestedIps {
  const ann = readKnobAnnotation(svc.metadata?.annotations, 'loadBalancerIPs');
  if (!ann.ok) return { ips: [], field: ann.error.field, errors: [ann.error] };
  const specIp = svc.spec?.loadBalancerIP?.trim() || undefined;
  if (ann.value !== undefined && specIp !== undefined) {
    return {
      ips: [],
      field: 'spec.loadBalancerIP',
      errors: [{
        field: 'spec.loadBalancerIP',
        message: `spec.loadBalancerIP and the ${ann.field} annotation are both set: remove spec.loadBalancerIP (deprecated) and keep the annotation`,
      }],
    };
  }
  if (specIp !== undefined) {
    const ip = parseIp(specIp);
    if (!ip) return { ips: [], field: 'spec.loadBalancerIP', errors: [{ field: 'spec.loadBalancerIP', message: `"${specIp}" is not an IP address: give one IPv4 or IPv6 address` }] };
    return { ips: [ip], field: 'spec.loadBalancerIP', errors: [] };
  }
  if (ann.value === undefined) return { ips: [], field: ann.field, errors: [] };
  return parseList(ann.value, ann.field);
}

function parseList(text: string, field: string): RequestedIps {
  const errors: KnobError[] = [];
  const ips: IpAddress[] = [];
  const items = text.split(',').map((s) => s.trim());
  if (items.length > 2) {
    errors.push({ field, message: `${items.length} addresses given: give at most two, one IPv4 and one IPv6, separated by a comma` });
  }
  for (const item of items) {
    const ip = parseIp(item);
    if (!ip) {
      errors.push({ field, message: item === '' ? 'empty address in the list: remove the extra comma' : `"${item}" is not an IP address: give IPv4 or IPv6 addresses separated by commas` });
    } else if (ips.some((other) => other.family === ip.family)) {
      const other = ips.find((o) => o.family === ip.family)!;
      errors.push({ field, message: `${formatIp(other)} and ${formatIp(ip)} are both IPv${ip.family}: give at most one address per family` });
    } else ips.push(ip);
  }
  return { ips: errors.length > 0 ? [] : ips, field, errors };
}

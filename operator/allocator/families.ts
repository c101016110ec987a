// IP families a Service wants, and requests that can never be served as written.
import { type Family, type IpAddress, formatIp } from '../../lib/ip/index.ts';
import type { ServiceKnobs } from '../../lib/service/knobs.ts';
import { familyName } from './pool-state.ts';

/** SingleStack: the first family only. Dual-stack policies: every family, in the Service's order. */
export function wantedFamilies(knobs: ServiceKnobs): Family[] {
  const unique = [...new Set(knobs.families)];
  return knobs.familyPolicy === 'SingleStack' ? unique.slice(0, 1) : unique;
}

function list(ips: readonly IpAddress[]): string {
  return ips.map(formatIp).join(', ');
}

/** Why the knobs ask for something no pool state can satisfy, or undefined. */
export function requestProblem(knobs: ServiceKnobs): string | undefined {
  const wanted = wantedFamilies(knobs);
  if (wanted.length === 0) return `${knobs.key} has no IP families`;
  if (knobs.familyPolicy === 'RequireDualStack' && wanted.length < 2) {
    return `RequireDualStack needs both IPv4 and IPv6, but ${knobs.key} has only ${familyName(wanted[0]!)}`;
  }
  const req = knobs.requestedIPs;
  if (req.length === 0) return undefined;
  if (new Set(req.map((ip) => ip.family)).size !== req.length) {
    return `requested IPs ${list(req)} must be of different families`;
  }
  const foreign = req.find((ip) => !wanted.includes(ip.family));
  if (foreign) {
    return `requested IP ${formatIp(foreign)} is ${familyName(foreign.family)}, but ${knobs.key} is ${wanted.map(familyName).join('+')} (${knobs.familyPolicy})`;
  }
  if (knobs.familyPolicy === 'RequireDualStack' && req.length < 2) {
    return `RequireDualStack needs one requested IP per family, but only ${list(req)} is requested`;
  }
  return undefined;
}

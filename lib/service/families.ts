// Which IP families a Service wants, from spec.ipFamilies / ipFamilyPolicy / clusterIP(s).
import type { V1ServiceSpec } from '@kubernetes/client-node';
import { type Family, parseIp } from '../ip/index.ts';
import type { FamilyPolicy, KnobError } from './knobs.ts';

const POLICIES: readonly FamilyPolicy[] = ['SingleStack', 'PreferDualStack', 'RequireDualStack'];
const FAMILY_NAMES: Readonly<Record<string, Family>> = { IPv4: 4, IPv6: 6 };

export interface FamiliesResult {
  families: Family[];
  policy: FamilyPolicy;
  errors: KnobError[];
}

function clusterIpFamilies(spec: V1ServiceSpec): Family[] {
  const ips = spec.clusterIPs && spec.clusterIPs.length > 0 ? spec.clusterIPs : [spec.clusterIP ?? ''];
  const out: Family[] = [];
  for (const text of ips) {
    const ip = parseIp(text);
    if (ip && !out.includes(ip.family)) out.push(ip.family);
  }
  return out;
}

/** `fallback` is used when neither ipFamilies nor a clusterIP says anything (e.g. requested IPs). */
export function serviceFamilies(spec: V1ServiceSpec, fallback: readonly Family[]): FamiliesResult {
  const errors: KnobError[] = [];
  let policy: FamilyPolicy = 'SingleStack';
  if (spec.ipFamilyPolicy !== undefined && spec.ipFamilyPolicy !== '') {
    if ((POLICIES as readonly string[]).includes(spec.ipFamilyPolicy)) policy = spec.ipFamilyPolicy as FamilyPolicy;
    else errors.push({ field: 'spec.ipFamilyPolicy', message: `unknown ipFamilyPolicy "${spec.ipFamilyPolicy}": use one of ${POLICIES.join(', ')}` });
  }
  let families: Family[] = [];
  (spec.ipFamilies ?? []).forEach((name, i) => {
    const f = FAMILY_NAMES[name];
    if (f === undefined) errors.push({ field: `spec.ipFamilies[${i}]`, message: `unknown IP family "${name}": use IPv4 or IPv6` });
    else if (families.includes(f)) errors.push({ field: `spec.ipFamilies[${i}]`, message: `IP family ${name} is listed twice: list each family once` });
    else families.push(f);
  });
  if (families.length === 0) families = clusterIpFamilies(spec);
  if (families.length === 0) families = fallback.length > 0 ? [...fallback] : [4];
  if (policy === 'SingleStack') families = families.slice(0, 1);
  if (policy === 'RequireDualStack' && families.length < 2) {
    errors.push({
      field: 'spec.ipFamilyPolicy',
      message: 'RequireDualStack needs two IP families (spec.ipFamilies or two clusterIPs): add the second family or use PreferDualStack',
    });
  }
  return { families, policy, errors };
}

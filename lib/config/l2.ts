// L2Advertisement → L2Advert.
import { type Issues, forObject } from './issues.ts';
import { type PoolCatalog, resolvePools } from './poolrefs.ts';
import type { L2AdvertisementInput } from './resources.ts';
import { nameList, selectorList } from './selectors.ts';
import type { L2Advert, PreferredNode } from './types.ts';
import { validateSelector } from '../selector/index.ts';

const IFACE = /^[^\s/:]{1,15}$/;

export function buildL2Advert(obj: L2AdvertisementInput, issues: Issues, catalog: PoolCatalog): L2Advert | undefined {
  const name = obj.metadata.name ?? '';
  const report = forObject(issues, 'L2Advertisement', name);
  const spec = obj.spec ?? {};
  const before = issues.errors.length;
  const pools = resolvePools(spec.ipAddressPools, spec.ipAddressPoolSelectors, catalog, report);
  const interfaces = nameList(spec.interfaces, 'spec.interfaces', 'interface', report);
  interfaces.forEach((iface, i) => {
    if (!IFACE.test(iface)) report.error(`spec.interfaces[${i}]`, `"${iface}" is not a Linux interface name: at most 15 characters, no spaces, "/" or ":"`);
  });
  const preferredNodes: PreferredNode[] = [];
  (spec.preferredNodeSelectors ?? []).forEach((p, i) => {
    const at = `spec.preferredNodeSelectors[${i}]`;
    if (!Number.isInteger(p?.weight) || p.weight < 1 || p.weight > 100) {
      report.error(`${at}.weight`, `weight ${String(p?.weight)} is out of range: use a whole number 1-100`);
      return;
    }
    const problems = validateSelector(p.preference ?? {});
    for (const e of problems) report.error(`${at}.preference${e.field ? `.${e.field}` : ''}`, e.message);
    if (problems.length === 0) preferredNodes.push({ weight: p.weight, preference: p.preference ?? {} });
  });
  const advert: L2Advert = {
    name,
    pools,
    nodeSelectors: selectorList(spec.nodeSelectors, 'spec.nodeSelectors', report),
    interfaces,
    serviceSelectors: selectorList(spec.serviceSelectors, 'spec.serviceSelectors', report),
    preferredNodes,
  };
  return issues.errors.length > before ? undefined : advert;
}

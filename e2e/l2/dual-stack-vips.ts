// The L2 tests' common start: a client on the segment with its own IPv4 and IPv6 probe sources,
// a dual-stack pool and L2Advertisement, a Service with an endpoint on every node, and its
// two VIPs.
import assert from 'node:assert/strict';
import type { Netns } from '../netns/index.ts';
import { serviceWithEndpoints, type LabCluster } from '../speaker/lab-cluster.ts';

export interface DualStackVips {
  client: Netns;
  /** The client's extra addresses, one probe source each. */
  sources4: string[];
  sources6: string[];
  vip4: string;
  vip6: string;
}

/** `v6Prefix` ends in `::` (the lab's /64); the pool takes 203.0.113.0/28 and `<v6Prefix>100/124`. */
export async function dualStackVips(c: LabCluster, v6Prefix: string, counts: { v4: number; v6: number }): Promise<DualStackVips> {
  const client = await c.host('client', 2);
  const sources6 = Array.from({ length: counts.v6 }, (_, i) => `${v6Prefix}${(0x1000 + i).toString(16)}`);
  for (const s of sources6) await client.ip(['addr', 'add', `${s}/64`, 'dev', 'eth0', 'nodad']);
  const sources4 = Array.from({ length: counts.v4 }, (_, i) => `203.0.113.${200 + i}`);
  await c.apply('ipaddresspools', 'IPAddressPool', 'lab', { addresses: ['203.0.113.0/28', `${v6Prefix}100/124`], avoidBuggyIPs: true });
  await c.apply('l2advertisements', 'L2Advertisement', 'lab', { ipAddressPools: ['lab'] });
  await serviceWithEndpoints(c, 'e2e', 'web', c.nodes, { ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv4', 'IPv6'] });
  const ips = await c.cluster.waitForIPs('e2e', 'web', 2, 20_000);
  const vip4 = ips.find((ip) => !ip.includes(':')) ?? assert.fail(`no IPv4 VIP in ${ips.join()}`);
  const vip6 = ips.find((ip) => ip.includes(':')) ?? assert.fail(`no IPv6 VIP in ${ips.join()}`);
  return { client, sources4, sources6, vip4, vip6 };
}

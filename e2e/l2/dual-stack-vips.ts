// The L2 tests' common start: a client on the segment with its own IPv4 and IPv6 probe sources,
// a dual-stack pool and L2Advertisement, a Service with an endpoint on every node, and its
// two VIPs.
import assert from 'node:assert/strict';
import type { Netns } from '../netns/index.ts';
import { serviceWithEndpoints, type LabCluster } from '../speaker/lab-cluster.ts';

export interface ProbeClient {
  client: Netns;
  /** The client's extra addresses, one probe source each. */
  sources4: string[];
  sources6: string[];
}

export interface DualStackVips extends ProbeClient {
  vip4: string;
  vip6: string;
}

/** The client at host 2, with `counts` probe sources: IPv4 from 203.0.113.200 (ARP sender IPs only), IPv6 in the lab's /64 (on its eth0). */
export async function probeClient(c: LabCluster, v6Prefix: string, counts: { v4: number; v6: number }): Promise<ProbeClient> {
  const client = await c.host('client', 2);
  const sources6 = Array.from({ length: counts.v6 }, (_, i) => `${v6Prefix}${(0x1000 + i).toString(16)}`);
  for (const s of sources6) await client.ip(['addr', 'add', `${s}/64`, 'dev', 'eth0', 'nodad']);
  const sources4 = Array.from({ length: counts.v4 }, (_, i) => `203.0.113.${200 + i}`);
  return { client, sources4, sources6 };
}

/**
 * `v6Prefix` ends in `::` (the lab's /64); the pool takes `addresses` (default 203.0.113.0/28
 * and `<v6Prefix>100/124`), and the Service `e2e/web` (spec merged in) one IP of each family.
 */
export async function dualStackService(
  c: LabCluster, v6Prefix: string, opts: { addresses?: readonly string[]; spec?: Parameters<typeof serviceWithEndpoints>[4] } = {},
): Promise<{ vip4: string; vip6: string }> {
  await c.apply('ipaddresspools', 'IPAddressPool', 'lab', { addresses: opts.addresses ?? ['203.0.113.0/28', `${v6Prefix}100/124`], avoidBuggyIPs: true });
  await c.apply('l2advertisements', 'L2Advertisement', 'lab', { ipAddressPools: ['lab'] });
  await serviceWithEndpoints(c, 'e2e', 'web', c.nodes, { ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv4', 'IPv6'], ...opts.spec });
  const ips = await c.cluster.waitForIPs('e2e', 'web', 2, 20_000);
  const vip4 = ips.find((ip) => !ip.includes(':')) ?? assert.fail(`no IPv4 VIP in ${ips.join()}`);
  const vip6 = ips.find((ip) => ip.includes(':')) ?? assert.fail(`no IPv6 VIP in ${ips.join()}`);
  return { vip4, vip6 };
}

/** probeClient, then dualStackService with the default pool. */
export async function dualStackVips(c: LabCluster, v6Prefix: string, counts: { v4: number; v6: number }): Promise<DualStackVips> {
  const probe = await probeClient(c, v6Prefix, counts);
  return { ...probe, ...(await dualStackService(c, v6Prefix)) };
}

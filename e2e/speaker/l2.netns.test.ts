// End to end on layer 2 with every real part: kube-apiserver + etcd, `portside controller`,
// three `portside speaker` processes in node namespaces and a client on the same bridge.
// The client resolves the VIP to the owner's MAC; the owner reports ServiceL2Status (with that MAC); when
// the owner's speaker is killed, another node answers (liveness, no API server in the path).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Netns } from '../netns/index.ts';
import { waitFor } from '../wait.ts';
import { serviceWithEndpoints, startLabCluster } from './lab-cluster.ts';

/** Sends one UDP datagram to ip:9 from the client (makes the kernel ARP for it) and reads its neighbor entry. */
async function resolve(client: Netns, ip: string): Promise<string | undefined> {
  await client.exec('bash', ['-c', `echo > /dev/udp/${ip}/9`]).catch(() => undefined);
  const entry = (await client.neighbors(4)).find((n) => n.dst === ip);
  return entry?.lladdr && entry.state?.some((s) => s === 'REACHABLE' || s === 'STALE' || s === 'DELAY') ? entry.lladdr : undefined;
}

test('L2 end to end: controller assigns, one speaker answers ARP for the VIP, another takes over when it dies', async (t) => {
  const c = await startLabCluster(t, { nodes: 3, commands: ['bash'] });
  if (!c) return;
  await c.lab.dumpOnFailure(async () => {
    const client = await c.host('client', 2);
    await client.ip(['route', 'add', '203.0.113.0/28', 'dev', 'eth0']); // the VIPs are on-link: ARP for them
    await c.apply('ipaddresspools', 'IPAddressPool', 'lab', { addresses: ['203.0.113.0/28'], avoidBuggyIPs: true });
    await c.apply('l2advertisements', 'L2Advertisement', 'lab', { ipAddressPools: ['lab'] });
    await serviceWithEndpoints(c, 'e2e', 'web', c.nodes);
    const [vip] = await c.cluster.waitForIPs('e2e', 'web', 1, 20_000);
    if (!vip?.startsWith('203.0.113.')) assert.fail(`controller assigned ${vip}, not an IP of the pool`);

    const status = await waitFor(async () => {
      const items = (await c.list('servicel2statuses')).filter((s) => s.status?.serviceName === 'web');
      return items.length === 1 && (items[0]?.status?.interfaces as unknown[] | undefined)?.length ? items[0] : undefined;
    }, { timeoutMs: 10_000, what: 'one ServiceL2Status for web with interfaces' });
    const ownerName = status.status?.node as string;
    const owner = c.nodes.find((n) => n.name === ownerName)!;
    const ownerMac = await owner.ns.mac('eth0');
    assert.deepEqual(status.status?.interfaces, [{ name: 'eth0', mac: ownerMac }], 'the interface and the MAC the answers carry');
    const mac = await waitFor(() => resolve(client, vip), { timeoutMs: 5_000, what: `client resolves ${vip}` });
    assert.equal(mac, ownerMac, `client resolves ${vip} to ${ownerName}'s MAC`);
    await c.cluster.waitForEvent('e2e', 'web', 'nodeAssigned');
    for (const n of c.nodes) assert.equal((await c.configState(n.name))?.result, 'Valid');

    // The owner's speaker dies: another node takes the VIP on liveness alone.
    const killedAt = Date.now();
    await owner.speaker!.kill();
    const others = new Map(await Promise.all(c.nodes.filter((n) => n !== owner).map(async (n) => [await n.ns.mac('eth0'), n.name] as const)));
    const next = await waitFor(async () => {
      const m = await resolve(client, vip);
      return m && others.has(m) ? others.get(m) : undefined;
    }, { timeoutMs: 5_000, intervalMs: 50, what: 'client resolves the VIP to a surviving node' });
    t.diagnostic(`failover ${ownerName} → ${next}: client sees the new MAC ${Date.now() - killedAt} ms after SIGKILL`);
    await waitFor(async () => (await c.list('servicel2statuses')).some((s) => s.status?.node === next), { what: `${next} reports ServiceL2Status` });

    await c.cluster.deleteService('e2e', 'web');
    await waitFor(async () => (await c.list('servicel2statuses')).every((s) => s.status?.node === ownerName), {
      what: 'live speakers delete their ServiceL2Status',
    });
  });
});

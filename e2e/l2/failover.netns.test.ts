// Layer-2 failover end to end with real kernels: three speaker nodes and a client on one
// bridge, liveness over UDP heartbeats, one owner per VIP answering ARP/NDP, and a client
// that keeps requesting while the owner's process is killed or its switch port goes down.
// Needs root (network namespaces, raw sockets).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Lab, requireRoot, type Netns } from '../netns/index.ts';
import { waitFor } from '../wait.ts';
import { isNativeAvailable, nativeAddonPath } from '../../native/index.ts';
import { ownerOf } from '../../speaker/l2/ownership.ts';
import {
  firstServed,
  l2Lab,
  HTTP_PORT,
  lastOwned,
  probeNeighbors,
  startClient,
  startForger,
  startWorker,
  VIP4,
  VIP6,
  type L2Node,
} from './failover-lab.ts';

const URL4 = `http://${VIP4}:${HTTP_PORT}/`;
const URL6 = `http://[${VIP6}]:${HTTP_PORT}/`;
const BOUND_MS = 3_000;

function ownerAmong(ip: string, nodes: readonly L2Node[]): L2Node {
  const name = ownerOf(ip, nodes.map((n) => ({ node: n.name, weight: 0 })));
  const node = nodes.find((n) => n.name === name);
  assert.ok(node, `no owner for ${ip}`);
  return node;
}

async function clientNeighborMac(client: Netns, ip: string): Promise<string | undefined> {
  const family = ip.includes(':') ? 6 : 4;
  return (await client.neighbors(family)).find((n) => n.dst === ip && n.lladdr)?.lladdr;
}

test('L2 failover: one answer per VIP, served again fast after the owner dies or goes silent', async (t) => {
  if (!requireRoot(t)) return;
  assert.ok(isNativeAvailable(), `native addon missing at ${nativeAddonPath}: run native/build.sh`);
  const lab = await Lab.create({ prefix: `pf${Math.random().toString(16).slice(2, 6)}` });
  t.after(() => lab.destroy());

  await lab.dumpOnFailure(async () => {
    const { nodes, client } = await l2Lab(lab);

    // Before any speaker runs, no kernel may answer for the VIPs it holds on lo.
    assert.deepEqual(await probeNeighbors(client), { arp: [], ndp: [] }, 'kernels answer ARP/NDP for the VIP');

    for (const node of nodes) startWorker(node, nodes);
    await waitFor(() => nodes.every((n) => (lastOwned(n)?.live ?? []).length === 2), { what: 'all speakers see each other', timeoutMs: 15_000 });
    const owner4 = ownerAmong(VIP4, nodes);
    const owner6 = ownerAmong(VIP6, nodes);
    t.diagnostic(`owners: ${VIP4} → ${owner4.name} (${owner4.mac}), ${VIP6} → ${owner6.name} (${owner6.mac})`);
    for (const n of nodes) {
      const owned = lastOwned(n)?.owned ?? [];
      assert.deepEqual(owned.sort(), [...(n === owner4 ? [VIP4] : []), ...(n === owner6 ? [VIP6] : [])].sort(), `${n.name} owns`);
    }

    await t.test('exactly the owner answers ARP and NDP for each VIP', async () => {
      const answers = await probeNeighbors(client);
      assert.deepEqual(answers, { arp: [owner4.mac], ndp: [owner6.mac] });
    });

    const clientProc = startClient(client);
    await waitFor(() => firstServed(clientProc, URL4, owner4.name, 0) && firstServed(clientProc, URL6, owner6.name, 0), {
      what: 'client served by the owners',
      timeoutMs: 10_000,
    });
    assert.equal(await clientNeighborMac(client, VIP4), owner4.mac);
    assert.equal(await clientNeighborMac(client, VIP6), owner6.mac);

    await t.test('heartbeats lost over UDP but ARP/NDP crossing: heartbeats cross as Ethernet frames, one answer per VIP', async () => {
      // Cut the owner of VIP4 off the UDP mesh only: the same signed heartbeats still cross the segment as frames.
      const rules = [
        'table inet pstest {',
        '  chain in { type filter hook input priority 0; udp dport 7946 drop; }',
        '  chain out { type filter hook output priority 0; udp dport 7946 drop; }',
        '}',
      ].join('\n');
      const cutAt = Date.now();
      await owner4.ns.exec('nft', ['-f', '-'], { input: rules });
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const died = nodes.flatMap((n) => n.speaker!.jsonLines().filter((m) => m.event === 'dead' && (m.t as number) >= cutAt).map((m) => `${n.name}: ${String(m.peer)}`));
      assert.deepEqual(died, [], 'no peer declared dead while only UDP is lost');
      for (const n of nodes) assert.deepEqual((lastOwned(n)?.live ?? []).length, 2, `${n.name} still sees both peers`);
      assert.deepEqual(await probeNeighbors(client), { arp: [owner4.mac], ndp: [owner6.mac] });
      await owner4.ns.exec('nft', ['delete', 'table', 'inet', 'pstest']);
      await waitFor(() => nodes.every((n) => (lastOwned(n)?.live ?? []).length === 2), { what: 'mesh healed', timeoutMs: 10_000 });
      assert.deepEqual(await probeNeighbors(client), { arp: [owner4.mac], ndp: [owner6.mac] });
    });

    await t.test('owner process killed (with forged heartbeats in its name): served by the next owner', async () => {
      const forger = startForger(client, owner4.name, nodes);
      const survivors = nodes.filter((n) => n !== owner4);
      const next4 = ownerAmong(VIP4, survivors);
      const forgedDrops = (n: L2Node) =>
        (n.speaker!.jsonLines().findLast((m) => m.event === 'dropped')?.dropped as Record<string, number> | undefined)?.['bad-signature'] ?? 0;
      await waitFor(() => survivors.every((n) => forgedDrops(n) > 0), { what: 'wrong-key heartbeats dropped', timeoutMs: 10_000 });
      const faultAt = Date.now();
      await owner4.speaker!.kill();
      const served = await waitFor(() => firstServed(clientProc, URL4, next4.name, faultAt), { what: `${VIP4} served by ${next4.name}`, timeoutMs: 10_000 });
      const ms = served.end - faultAt;
      t.diagnostic(`kill -9 ${owner4.name}: ${VIP4} served by ${next4.name} after ${ms} ms`);
      console.log(`failover (process killed) ${VIP4}: ${ms} ms`);
      assert.ok(ms < BOUND_MS, `failover took ${ms} ms`);
      if (owner6 === owner4) {
        const served6 = await waitFor(() => firstServed(clientProc, URL6, ownerAmong(VIP6, survivors).name, faultAt), { what: `${VIP6} moved`, timeoutMs: 10_000 });
        console.log(`failover (process killed) ${VIP6}: ${served6.end - faultAt} ms`);
      }
      assert.equal(await clientNeighborMac(client, VIP4), next4.mac);
      await forger.stop();
      const answers = await probeNeighbors(client);
      assert.deepEqual(answers.arp, [next4.mac], 'one answer for VIP4 after failover');
    });

    await t.test('owner switch port down: served by the next owner', async () => {
      const running = nodes.filter((n) => n.speaker?.running);
      const current6 = ownerAmong(VIP6, running);
      const last = running.filter((n) => n !== current6);
      const next6 = ownerAmong(VIP6, last);
      const faultAt = Date.now();
      await current6.link.setDown();
      const served = await waitFor(() => firstServed(clientProc, URL6, next6.name, faultAt), { what: `${VIP6} served by ${next6.name}`, timeoutMs: 10_000 });
      const ms = served.end - faultAt;
      console.log(`failover (switch port down) ${VIP6}: ${ms} ms`);
      assert.ok(ms < BOUND_MS, `failover took ${ms} ms`);
      if (ownerAmong(VIP4, running) === current6) {
        const served4 = await waitFor(() => firstServed(clientProc, URL4, ownerAmong(VIP4, last).name, faultAt), { what: `${VIP4} moved`, timeoutMs: 10_000 });
        console.log(`failover (switch port down) ${VIP4}: ${served4.end - faultAt} ms`);
      }
      assert.equal(await clientNeighborMac(client, VIP6), next6.mac);
      const answers = await probeNeighbors(client);
      assert.deepEqual(answers, { arp: [ownerAmong(VIP4, last).mac], ndp: [next6.mac] });
    });

    await t.test('owner interface down inside the node: it stops claiming, the next owner serves, it comes back cleanly', async () => {
      // Heal the earlier faults first: restart the killed speaker, plug the port back in.
      for (const n of nodes) {
        if (!n.speaker?.running) startWorker(n, nodes);
        await n.link.setUp();
      }
      await waitFor(() => nodes.every((n) => (lastOwned(n)?.live ?? []).length === 2), { what: 'mesh healed', timeoutMs: 15_000 });
      const owner = ownerAmong(VIP6, nodes);
      await waitFor(async () => (await probeNeighbors(client)).ndp.join() === owner.mac, { what: `${owner.name} answers for ${VIP6} again`, timeoutMs: 10_000 });
      const others = nodes.filter((n) => n !== owner);
      const next6 = ownerAmong(VIP6, others);
      const faultAt = Date.now();
      await owner.ns.linkUp('eth0', false);
      const served = await waitFor(() => firstServed(clientProc, URL6, next6.name, faultAt), { what: `${VIP6} served by ${next6.name}`, timeoutMs: 10_000 });
      const ms = served.end - faultAt;
      console.log(`failover (node interface down) ${VIP6}: ${ms} ms`);
      assert.ok(ms < BOUND_MS, `failover took ${ms} ms`);
      if (ownerAmong(VIP4, nodes) === owner) {
        const served4 = await waitFor(() => firstServed(clientProc, URL4, ownerAmong(VIP4, others).name, faultAt), { what: `${VIP4} moved`, timeoutMs: 10_000 });
        console.log(`failover (node interface down) ${VIP4}: ${served4.end - faultAt} ms`);
      }
      // The node itself saw its link go down and gave everything up.
      await waitFor(() => (lastOwned(owner)?.owned ?? ['?']).length === 0, { what: `${owner.name} stops claiming`, timeoutMs: 5_000 });
      assert.ok(owner.speaker!.jsonLines().some((m) => m.event === 'links' && JSON.stringify(m.links).includes('"up":false')), 'link down seen');
      assert.equal(await clientNeighborMac(client, VIP6), next6.mac);

      // Back up: held down until it hears its peers, then it takes its IPs back; one answer each.
      const upAt = Date.now();
      await owner.ns.linkUp('eth0', true);
      await waitFor(() => firstServed(clientProc, URL6, owner.name, upAt), { what: `${owner.name} serves ${VIP6} again`, timeoutMs: 10_000 });
      const reclaimed = owner.speaker!.jsonLines().find((m) => m.event === 'owned' && (m.t as number) >= upAt && (m.owned as string[]).length > 0);
      assert.ok(reclaimed && (reclaimed.live as string[]).length === 2, `reclaimed only after hearing both peers: ${JSON.stringify(reclaimed)}`);
      const want = JSON.stringify({ arp: [ownerAmong(VIP4, nodes).mac], ndp: [owner.mac] });
      await waitFor(async () => JSON.stringify(await probeNeighbors(client)) === want, { what: `one answer per VIP: ${want}`, timeoutMs: 5_000 });
    });
  });
});

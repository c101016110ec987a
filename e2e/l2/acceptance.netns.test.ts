// Layer-2 acceptance with real kernels, three speaker nodes and a client on one bridge:
// Services sharing an IP are answered by one node; with externalTrafficPolicy: Local the
// owner follows the endpoint; garbage frames, ARP for IPs nobody owns and bad heartbeats
// are counted and ignored. Needs root (network namespaces, raw sockets).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { Lab, requireRoot, type Netns } from '../netns/index.ts';
import { waitFor } from '../wait.ts';
import { isNativeAvailable, nativeAddonPath } from '../../native/index.ts';
import { ArpOperation, encodeArpFrame } from '../../speaker/l2/arp.ts';
import { ownerOf } from '../../speaker/l2/ownership.ts';
import {
  announcementsSeen,
  CLIENT,
  control,
  firstServed,
  HTTP_PORT,
  l2Lab,
  lastOwned,
  probeNeighbors,
  sendBadHeartbeats,
  sendFrames,
  startAnnouncementWatch,
  startClient,
  startWorker,
  VIP4,
  VIP6,
  type L2Node,
} from './failover-lab.ts';
import type { WorkerService } from './failover-worker.ts';

/** Second IPv4 VIP: the Local-policy Service's (dual-stack with VIP6). */
const VIP4_LOCAL = '198.51.100.101';
const url = (ip: string) => (ip.includes(':') ? `http://[${ip}]:${HTTP_PORT}/` : `http://${ip}:${HTTP_PORT}/`);

function byName(nodes: readonly L2Node[], name: string | undefined): L2Node {
  const node = nodes.find((n) => n.name === name);
  assert.ok(node, `no node ${name}`);
  return node;
}

async function clientNeighborMac(client: Netns, ip: string): Promise<string | undefined> {
  return (await client.neighbors(ip.includes(':') ? 6 : 4)).find((n) => n.dst === ip && n.lladdr)?.lladdr;
}

/** What each node owned and heard, with times: the story behind a failed assertion. */
function history(nodes: readonly L2Node[]): string {
  const keep = new Set(['owned', 'dead', 'alive', 'claim', 'stall', 'links', 'peer-links', 'ready']);
  return nodes
    .map((n) => `${n.name} ${n.mac}: ${JSON.stringify((n.speaker?.jsonLines() ?? []).filter((m) => keep.has(m.event as string)).map(({ node: _, ...m }) => m))}`)
    .join('\n');
}

/** IPs each running node answers for, from its newest report line. */
function owners(nodes: readonly L2Node[], ip: string): string[] {
  return nodes.filter((n) => n.speaker?.running && (lastOwned(n)?.owned ?? []).includes(ip)).map((n) => n.name);
}

test('L2 acceptance: shared IP on one node, Local policy follows the endpoint, bad input ignored', async (t) => {
  if (!requireRoot(t)) return;
  assert.ok(isNativeAvailable(), `native addon missing at ${nativeAddonPath}: run native/build.sh`);
  const lab = await Lab.create({ prefix: `pa${Math.random().toString(16).slice(2, 6)}` });
  t.after(() => lab.destroy());

  await lab.dumpOnFailure(async () => {
    const { nodes, client } = await l2Lab(lab);
    for (const n of nodes) await n.ns.ip(['addr', 'add', `${VIP4_LOCAL}/32`, 'dev', 'lo']);
    const names = nodes.map((n) => n.name);
    const rank = (ip: string, among: readonly string[]) => ownerOf(ip, among.map((node) => ({ node, weight: 0 })));

    // Shared IP: svc-a may use any node, svc-b (same sharing key) only the two nodes that
    // svc-a's own favourite is not — so "per Service" and "per IP" owners differ.
    const aAlone = rank(VIP4, names);
    const bNodes = names.filter((n) => n !== aAlone);
    const sharedOwner = byName(nodes, rank(VIP4, bNodes));
    // Local: the endpoint sits on the node that would not own the Local IPs by rank alone.
    const localFirst = names.find((n) => n !== rank(VIP6, names)) ?? '';
    const localNext = names.find((n) => n !== localFirst && n !== rank(VIP6, names)) ?? '';
    const services = (localNode: string): WorkerService[] => [
      { name: 'svc-a', ip: VIP4, nodes: names },
      { name: 'svc-b', ip: VIP4, nodes: bNodes },
      { name: 'svc-l4', ip: VIP4_LOCAL, nodes: [localNode] },
      { name: 'svc-l6', ip: VIP6, nodes: [localNode] },
    ];
    for (const n of nodes) startWorker(n, nodes, { services: services(localFirst) });
    await waitFor(() => nodes.every((n) => (lastOwned(n)?.live ?? []).length === 2), { what: 'all speakers see each other', timeoutMs: 15_000 });
    const watch = startAnnouncementWatch(client);
    const clientProc = startClient(client, [url(VIP4), url(VIP4_LOCAL), url(VIP6)]);

    await t.test('two Services on one IP are answered by one node: the best of their common candidates', async () => {
      assert.notEqual(sharedOwner.name, aAlone);
      await waitFor(() => owners(nodes, VIP4).join() === sharedOwner.name, { what: `only ${sharedOwner.name} owns ${VIP4}`, timeoutMs: 5_000 });
      // Steady state: a liveness flap on a starved host may briefly add a second answer.
      let last: string[] = [];
      await waitFor(async () => (last = (await probeNeighbors(client)).arp).join() === sharedOwner.mac, { what: `one ARP answer (${sharedOwner.mac})`, timeoutMs: 6_000 }).catch(
        (err: unknown) => assert.fail(`${(err as Error).message}; last ${JSON.stringify(last)}\n${history(nodes)}`),
      );
      await waitFor(() => firstServed(clientProc, url(VIP4), sharedOwner.name, 0), { what: `${VIP4} served by ${sharedOwner.name}`, timeoutMs: 10_000 });
    });

    await t.test('externalTrafficPolicy: Local — the owner moves with the endpoint, announced at once', async () => {
      const first = byName(nodes, localFirst);
      const next = byName(nodes, localNext);
      await waitFor(() => firstServed(clientProc, url(VIP4_LOCAL), first.name, 0) && firstServed(clientProc, url(VIP6), first.name, 0), {
        what: `Local VIPs served by ${first.name}`,
        timeoutMs: 10_000,
      });
      assert.equal(await clientNeighborMac(client, VIP4_LOCAL), first.mac);
      assert.equal(await clientNeighborMac(client, VIP6), first.mac);

      const movedAt = Date.now();
      await Promise.all(nodes.map((n) => control(n, { services: services(localNext) })));
      await waitFor(() => firstServed(clientProc, url(VIP4_LOCAL), next.name, movedAt) && firstServed(clientProc, url(VIP6), next.name, movedAt), {
        what: `Local VIPs served by ${next.name}`,
        timeoutMs: 10_000,
      });
      assert.ok(announcementsSeen(watch, VIP4_LOCAL, movedAt).some((a) => a.mac === next.mac), 'gratuitous ARP from the new owner');
      assert.ok(announcementsSeen(watch, VIP6, movedAt).some((a) => a.mac === next.mac), 'unsolicited NA from the new owner');
      await waitFor(async () => (await clientNeighborMac(client, VIP4_LOCAL)) === next.mac, { what: 'client ARP entry moved', timeoutMs: 5_000 });
      await waitFor(async () => (await clientNeighborMac(client, VIP6)) === next.mac, { what: 'client NDP entry moved', timeoutMs: 5_000 });
      assert.deepEqual(owners(nodes, VIP4_LOCAL), [next.name]);
      assert.deepEqual(owners(nodes, VIP6), [next.name]);
      const answers = await probeNeighbors(client);
      assert.deepEqual(answers.ndp, [next.mac]);
    });

    await t.test('garbage frames, ARP for IPs nobody owns, bad heartbeats: counted, ignored, nothing crashes', async () => {
      const before = await Promise.all(nodes.map((n) => control(n, { report: true })));
      const clientMac = await client.mac('eth0');
      const bcast = 'ffffffffffff';
      const src = clientMac.replaceAll(':', '');
      const frames = [
        ...Array.from({ length: 20 }, () => `${bcast}${src}0806${randomBytes(Math.floor(Math.random() * 60)).toString('hex')}`),
        ...Array.from({ length: 10 }, () => `${bcast}${src}86dd${randomBytes(40 + Math.floor(Math.random() * 40)).toString('hex')}`),
        ...Array.from({ length: 10 }, () => randomBytes(14 + Math.floor(Math.random() * 100)).toString('hex')),
        // Well-formed ARP requests for addresses nobody announces.
        ...['198.51.100.200', '198.51.100.201', VIP4_LOCAL.replace(/\d+$/, '250')].map((targetIp) =>
          encodeArpFrame('ff:ff:ff:ff:ff:ff', clientMac, { operation: ArpOperation.Request, senderMac: clientMac, senderIp: CLIENT.v4, targetMac: '00:00:00:00:00:00', targetIp }).toString('hex'),
        ),
      ];
      await sendFrames(client, frames);
      await sendBadHeartbeats(client, nodes[0]?.name ?? 'n1', nodes);
      const after = await waitFor(
        async () => {
          const reports = await Promise.all(nodes.map((n) => control(n, { report: true })));
          const ok = reports.every((r) => {
            const d = r.mesh.dropped;
            return (d['bad-signature'] ?? 0) > 0 && (d['unknown-node'] ?? 0) > 0 && (r.l2['ignored:not-owned'] ?? 0) > 0;
          });
          return ok && reports;
        },
        { what: 'bad input counted on every node', timeoutMs: 5_000 },
      );
      for (const [i, r] of after.entries()) {
        const b = before[i];
        assert.ok(b);
        const ignored = (x: Record<string, number>) => Object.entries(x).filter(([k]) => k.startsWith('ignored:arp-')).reduce((s, [, v]) => s + v, 0);
        assert.ok(ignored(r.l2) > ignored(b.l2), `${nodes[i]?.name}: undecodable ARP counted ${JSON.stringify(r.l2)}`);
        // Bad input cannot kill a peer; a starved host can (a false death), so report those, not fail.
        if (r.mesh.deaths !== b.mesh.deaths) t.diagnostic(`${nodes[i]?.name}: ${r.mesh.deaths - b.mesh.deaths} deaths meanwhile (timer lag ${r.mesh.maxTimerLagMs} ms)`);
        const d = r.mesh.dropped;
        assert.ok((d['wrong-source'] ?? 0) + (d['unknown-node'] ?? 0) >= 3, `signed heartbeats from the wrong place dropped: ${JSON.stringify(d)}`);
        assert.ok((d.truncated ?? 0) + (d.malformed ?? 0) + (d['bad-version'] ?? 0) > 0, `garbage datagrams dropped: ${JSON.stringify(d)}`);
      }
      assert.ok(nodes.every((n) => n.speaker?.running), 'every speaker still runs');
      // Nothing changed hands: everyone still sees everyone, and owns what it owned.
      await waitFor(
        async () => {
          const now = await Promise.all(nodes.map((n) => control(n, { report: true })));
          return now.every((r, i) => r.live.length === 2 && JSON.stringify(r.owned) === JSON.stringify(before[i]?.owned));
        },
        { what: 'same owners and live sets as before', timeoutMs: 5_000 },
      );
      assert.deepEqual(await probeNeighbors(client), { arp: [sharedOwner.mac], ndp: [byName(nodes, localNext).mac] });
    });

    await t.test('the shared IP stays on one node when its owner dies: never the per-Service favourite', async () => {
      const faultAt = Date.now();
      await sharedOwner.speaker?.kill();
      const survivor = byName(nodes, bNodes.find((n) => n !== sharedOwner.name));
      await waitFor(() => firstServed(clientProc, url(VIP4), survivor.name, faultAt), { what: `${VIP4} served by ${survivor.name}`, timeoutMs: 10_000 });
      assert.deepEqual(owners(nodes, VIP4), [survivor.name]);
      assert.deepEqual((await probeNeighbors(client)).arp, [survivor.mac]);
    });
  });
});

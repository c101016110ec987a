// Proves the lab plumbing with real routers only: FRR as the ToR, GoBGP, BIRD and a
// second FRR as "nodes" on one bridge.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { buildLab } from '../lab/builder.ts';
import { Lab, requireCommands, requireRoot } from '../netns/index.ts';
import { waitFor } from '../wait.ts';
import { startBird, startFrr, startGobgp } from './index.ts';

const LAN = { v4: '198.51.100.0/24', v6: '2001:db8:100::/64' };
const TOR = { v4: '198.51.100.11', v6: '2001:db8:100::11', asn: 64512 };

async function labFor(t: TestContext): Promise<Lab | undefined> {
  if (!requireRoot(t)) return undefined;
  if (!requireCommands(t, ['ip', 'vtysh', '/usr/lib/frr/bgpd', 'gobgpd', 'gobgp', 'bird', 'birdc'])) return undefined;
  const lab = await Lab.create();
  t.after(() => lab.destroy());
  return lab;
}

test('FRR with a listen range learns IPv4 and IPv6 prefixes from GoBGP and BIRD', async (t) => {
  const lab = await labFor(t);
  if (!lab) return;
  await lab.dumpOnFailure(async () => {
    const { router, nodes } = await buildLab(lab, { lan: LAN, router: { host: 11 }, nodes: { count: 2, first: 12, name: (i) => ['gob', 'brd'][i] ?? '' } });
    const [tor, gob, brd] = [router!.ns, nodes[0]!.ns, nodes[1]!.ns];

    const frr = await startFrr(lab, tor, {
      asn: TOR.asn,
      routerId: TOR.v4,
      listenRanges: [
        { range: LAN.v4, peerGroup: 'NODES4', remoteAs: 'external' },
        { range: LAN.v6, peerGroup: 'NODES6', remoteAs: 'external' },
      ],
    });
    const started = Date.now();
    const gobgp = await startGobgp(lab, gob, {
      asn: 64513,
      routerId: '198.51.100.12',
      neighbors: [
        { address: TOR.v4, peerAs: TOR.asn },
        { address: TOR.v6, peerAs: TOR.asn },
      ],
      announce: ['203.0.113.12/32', '2001:db8:ff::12/128'],
    });
    const bird = await startBird(lab, brd, {
      asn: 64514,
      routerId: '198.51.100.13',
      neighbors: [
        { name: 'tor4', address: TOR.v4, peerAs: TOR.asn },
        { name: 'tor6', address: TOR.v6, peerAs: TOR.asn },
      ],
      announce: ['203.0.113.13/32', '2001:db8:ff::13/128'],
    });

    for (const peer of ['198.51.100.12', '198.51.100.13', '2001:db8:100::12', '2001:db8:100::13']) {
      await frr.waitEstablished(peer);
    }
    t.diagnostic(`4 sessions Established ${Date.now() - started} ms after GoBGP and BIRD started`);
    await gobgp.waitEstablished(TOR.v4);
    await bird.waitEstablished('tor6');
    assert.equal((await bird.protocols()).find((p) => p.name === 'tor4')?.state, 'up');
    assert.equal(await gobgp.neighborState(TOR.v6), 'established');

    assert.deepEqual(await frr.waitBgpRoute('203.0.113.12/32'), ['198.51.100.12']);
    assert.deepEqual(await frr.waitBgpRoute('203.0.113.13/32'), ['198.51.100.13']);
    assert.deepEqual(await frr.waitBgpRoute('2001:db8:ff::12/128'), ['2001:db8:100::12']);
    assert.deepEqual(await frr.waitBgpRoute('2001:db8:ff::13/128'), ['2001:db8:100::13']);
    await frr.waitKernelRoute('203.0.113.12/32', ['198.51.100.12']);
    // BIRD sends global + link-local next hops and FRR installs the link-local one;
    // GoBGP sends only the global one.
    const birdV6Hops = ['2001:db8:100::13', await brd.linkLocal('eth0')];
    await waitFor(async () => {
      const hops = await tor.nextHops('2001:db8:ff::13/128');
      return hops.length === 1 && birdV6Hops.includes(hops[0] ?? '');
    }, { timeoutMs: 10_000, what: 'kernel route to BIRD /128 in the ToR' });
    await frr.waitKernelRoute('2001:db8:ff::12/128', ['2001:db8:100::12']);

    const summary = await frr.bgpSummary();
    const peers = { ...summary.ipv4Unicast?.peers, ...summary.ipv6Unicast?.peers };
    assert.equal(Object.keys(peers).length, 4, 'four dynamic neighbors');
    // The readers of the other two routers work too: each learns the other's prefix via FRR.
    const gobRib = await waitFor(async () => {
      const rib = await gobgp.rib('ipv4');
      return rib['203.0.113.13/32'] ? rib : undefined;
    }, { what: "GoBGP learns BIRD's prefix via FRR" });
    assert.equal(gobRib['203.0.113.13/32']?.[0]?.['neighbor-ip'], TOR.v4);
    // FRR keeps GoBGP's next hop (same subnet: RFC 4271 5.1.3 third-party next hop).
    const fromTor = await waitFor(
      async () => (await bird.routes()).find((r) => r.prefix === '2001:db8:ff::12/128' && r.protocol === 'tor6'),
      { what: "BIRD learns GoBGP's /128 via FRR" },
    );
    assert.deepEqual(fromTor.via, ['2001:db8:100::12']);
  });
});

test('two FRR nodes give an ECMP route; a silent node is dropped by BFD 300 ms x 3', async (t) => {
  const lab = await labFor(t);
  if (!lab) return;
  await lab.dumpOnFailure(async () => {
    const vip = '203.0.113.100/32';
    const { router, nodes } = await buildLab(lab, { lan: LAN, router: { host: 11 }, nodes: { count: 2, first: 21 } });
    const [tor, n1, n2, n1Link] = [router!.ns, nodes[0]!.ns, nodes[1]!.ns, nodes[0]!.link];

    const fast = { name: 'fast', receiveIntervalMs: 300, transmitIntervalMs: 300, detectMultiplier: 3 };
    const frr = await startFrr(lab, tor, {
      asn: TOR.asn,
      routerId: TOR.v4,
      maximumPaths: 8,
      bfdProfiles: [fast],
      listenRanges: [{ range: LAN.v4, peerGroup: 'NODES', remoteAs: 64600, bfdProfile: 'fast' }],
    });
    const started = Date.now();
    for (const [ns, addr] of [[n1, '198.51.100.21'], [n2, '198.51.100.22']] as const) {
      await startFrr(lab, ns, {
        asn: 64600,
        routerId: addr,
        bfdProfiles: [fast],
        neighbors: [{ address: TOR.v4, remoteAs: TOR.asn, bfdProfile: 'fast' }],
        networks: [vip],
      });
    }

    await frr.waitKernelRoute(vip, ['198.51.100.21', '198.51.100.22']);
    t.diagnostic(`2-way ECMP kernel route ${Date.now() - started} ms after the nodes started`);
    await frr.waitBfd('198.51.100.21', 'up');
    await frr.waitBfd('198.51.100.22', 'up');

    const silencedAt = Date.now();
    await n1Link.setDown();
    // Hold time is 180 s: only BFD can drop the next hop this fast.
    await frr.waitKernelRoute(vip, ['198.51.100.22'], { timeoutMs: 5_000, intervalMs: 20 });
    t.diagnostic(`silent node dropped from the ECMP route after ${Date.now() - silencedAt} ms`);
    await frr.waitBfd('198.51.100.21', 'down', { timeoutMs: 1_000 }).catch(async () => {
      // A dynamic neighbor's BFD session may be deleted with the neighbor instead.
      assert.ok(!(await frr.bfdPeers()).some((p) => p.peer === '198.51.100.21' && p.status === 'up'));
    });
  });
});

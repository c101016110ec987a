// Our speaker against real GoBGP and BIRD 2 routers: eBGP over IPv4 and IPv6, communities
// and large communities read back from each router, withdraw, router restart; iBGP with
// LOCAL_PREF for each.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startBird, startGobgp } from '../routers/index.ts';
import type { GobgpPath, StartBirdOptions, StartGobgpOptions } from '../routers/index.ts';
import { waitFor } from '../wait.ts';
import { parseCommunity } from '../../speaker/bgp/attributes/communities.ts';
import { SpeakerWorker, speakerLab } from './harness.ts';
import { COMMUNITY, FAST, FAST_DEFAULTS, LARGE_COMMUNITY, NODE_ASN, TOR, hostRoute, torAndNodes, torPeers } from './topology.ts';
import type { NodeNs } from './topology.ts';
import type { Lab } from '../netns/index.ts';

const V4 = '203.0.113.10/32';
const V6 = '2001:db8:ff::10/128';

function startWorker(lab: Lab, node: NodeNs): Promise<SpeakerWorker> {
  return SpeakerWorker.start(lab, node.ns, {
    node: { name: 'n1', addresses: [node.v4, node.v6] },
    defaults: FAST_DEFAULTS,
    peers: torPeers(),
    routes: { tor4: [hostRoute(V4)], tor6: [hostRoute(V6)] },
  });
}

test('GoBGP: v4 and v6 routes with communities and large communities; withdraw; restart', async (t) => {
  const lab = await speakerLab(t, ['gobgpd', 'gobgp']);
  if (!lab) return;
  await lab.dumpOnFailure(async () => {
    const { tor, nodes } = await torAndNodes(lab);
    const node = nodes[0]!;
    const options: StartGobgpOptions = {
      asn: TOR.asn,
      routerId: TOR.v4,
      neighbors: [
        { address: node.v4, peerAs: NODE_ASN, holdTimeS: 9, keepaliveS: 3 },
        { address: node.v6, peerAs: NODE_ASN, holdTimeS: 9, keepaliveS: 3 },
      ],
    };
    let gobgp = await startGobgp(lab, tor, options);
    const worker = await startWorker(lab, node);
    await worker.waitUp('tor4');
    await worker.waitUp('tor6');
    const path = async (prefix: string): Promise<GobgpPath | undefined> => (await gobgp.rib(prefix.includes(':') ? 'ipv6' : 'ipv4'))[prefix]?.[0];
    const attr = (p: GobgpPath, type: number) => p.attrs.find((a) => a.type === type);
    for (const [prefix, hop] of [[V4, node.v4], [V6, node.v6]] as const) {
      const p = await waitFor(() => path(prefix), { what: `GoBGP holds ${prefix}` });
      assert.deepEqual(attr(p, 8)?.communities, [parseCommunity(COMMUNITY)], `${prefix} community`);
      const [ASN, LocalData1, LocalData2] = LARGE_COMMUNITY.split(':').map(Number);
      assert.deepEqual(attr(p, 32)?.value, [{ ASN, LocalData1, LocalData2 }], `${prefix} large community`);
      const nextHop = attr(p, 3)?.nexthop ?? (attr(p, 14)?.nexthop as string | undefined);
      assert.equal(nextHop, hop);
    }

    worker.setRoutes('tor4', []);
    await waitFor(async () => (await path(V4)) === undefined, { what: 'GoBGP drops the withdrawn route' });

    await gobgp.stop();
    gobgp = await startGobgp(lab, tor, options);
    await worker.waitUp('tor6', 2, { timeoutMs: 15_000 });
    await waitFor(() => path(V6), { what: 'IPv6 route re-announced to the restarted GoBGP' });
    assert.equal(await path(V4), undefined);
  });
});

test('BIRD: v4 and v6 routes with communities and large communities; withdraw; restart', async (t) => {
  const lab = await speakerLab(t, ['bird', 'birdc']);
  if (!lab) return;
  await lab.dumpOnFailure(async () => {
    const { tor, nodes } = await torAndNodes(lab);
    const node = nodes[0]!;
    const options: StartBirdOptions = {
      asn: TOR.asn,
      routerId: TOR.v4,
      neighbors: [
        { name: 'n4', address: node.v4, peerAs: NODE_ASN, holdTimeS: 9, keepaliveS: 3 },
        { name: 'n6', address: node.v6, peerAs: NODE_ASN, holdTimeS: 9, keepaliveS: 3 },
      ],
    };
    let bird = await startBird(lab, tor, options);
    const worker = await startWorker(lab, node);
    await worker.waitUp('tor4');
    await worker.waitUp('tor6');
    // `show route all` prints each path's attributes under it; BIRD writes (a,b) and (a, b, c).
    const routeText = async (prefix: string) => {
      // birdc exits 1 ("Network not found") for a prefix it does not hold.
      const text = await bird.birdc(`show route ${prefix} all`).catch(() => '');
      return text.includes(prefix) ? text : undefined;
    };
    const [c1, c2] = COMMUNITY.split(':');
    const [l1, l2, l3] = LARGE_COMMUNITY.split(':');
    for (const prefix of [V4, V6]) {
      const text = await waitFor(() => routeText(prefix), { what: `BIRD holds ${prefix}` });
      assert.match(text, new RegExp(`BGP\\.community: \\(${c1},${c2}\\)`), `${prefix} community`);
      assert.match(text, new RegExp(`BGP\\.large_community: \\(${l1}, ${l2}, ${l3}\\)`), `${prefix} large community`);
      assert.match(text, new RegExp(`BGP\\.as_path: ${NODE_ASN}\\b`));
    }
    assert.match((await routeText(V6)) ?? '', new RegExp(`BGP\\.next_hop: ${node.v6} ${await node.ns.linkLocal('eth0')}`));

    worker.setRoutes('tor4', []);
    await waitFor(async () => (await routeText(V4)) === undefined, { what: 'BIRD drops the withdrawn route' });

    await bird.stop();
    bird = await startBird(lab, tor, options);
    await worker.waitUp('tor6', 2, { timeoutMs: 15_000 });
    await waitFor(() => routeText(V6), { what: 'IPv6 route re-announced to the restarted BIRD' });
    assert.equal(await routeText(V4), undefined);
  });
});

// iBGP: our speaker sources the session from a second address with the router's own ASN;
// the route must arrive with the LOCAL_PREF we set and an empty AS_PATH.
const IBGP_SOURCE = '198.51.100.99';
const IBGP_ROUTE = '203.0.113.20/32';

async function startIbgpWorker(lab: Lab, node: NodeNs): Promise<SpeakerWorker> {
  const worker = await SpeakerWorker.start(lab, node.ns, {
    node: { name: 'n1', addresses: [node.v4, node.v6] },
    defaults: FAST_DEFAULTS,
    peers: [{ name: 'ibgp', peerAddress: TOR.v4, sourceAddress: IBGP_SOURCE, myASN: TOR.asn, peerASN: TOR.asn, ...FAST }],
    routes: { ibgp: [hostRoute(IBGP_ROUTE, { localPref: 200 })] },
  });
  await worker.waitUp('ibgp');
  return worker;
}

test('GoBGP: iBGP session carries our route with LOCAL_PREF', async (t) => {
  const lab = await speakerLab(t, ['gobgpd', 'gobgp']);
  if (!lab) return;
  await lab.dumpOnFailure(async () => {
    const { tor, nodes } = await torAndNodes(lab, 1, [IBGP_SOURCE]);
    const gobgp = await startGobgp(lab, tor, {
      asn: TOR.asn,
      routerId: TOR.v4,
      neighbors: [{ address: IBGP_SOURCE, peerAs: TOR.asn, holdTimeS: 9, keepaliveS: 3 }],
    });
    await startIbgpWorker(lab, nodes[0]!);
    const p = await waitFor(async () => (await gobgp.rib('ipv4'))[IBGP_ROUTE]?.[0], { what: `GoBGP holds ${IBGP_ROUTE}` });
    const attr = (type: number) => p.attrs.find((a) => a.type === type);
    assert.equal(attr(5)?.value, 200, 'LOCAL_PREF');
    assert.equal(attr(3)?.nexthop, IBGP_SOURCE);
    const asPath = attr(2)?.as_paths as unknown[] | undefined;
    assert.ok(asPath === undefined || asPath.length === 0, `iBGP: empty AS_PATH (${JSON.stringify(asPath)})`);
    assert.deepEqual(attr(8)?.communities, [parseCommunity(COMMUNITY)]);
  });
});

test('BIRD: iBGP session carries our route with LOCAL_PREF', async (t) => {
  const lab = await speakerLab(t, ['bird', 'birdc']);
  if (!lab) return;
  await lab.dumpOnFailure(async () => {
    const { tor, nodes } = await torAndNodes(lab, 1, [IBGP_SOURCE]);
    const bird = await startBird(lab, tor, {
      asn: TOR.asn,
      routerId: TOR.v4,
      neighbors: [{ name: 'ib', address: IBGP_SOURCE, peerAs: TOR.asn, holdTimeS: 9, keepaliveS: 3 }],
      // iBGP next hops resolve recursively through master4: give it the connected LAN.
      extraConfig: 'protocol direct { ipv4; interface "eth0"; }',
    });
    await startIbgpWorker(lab, nodes[0]!);
    const text = await waitFor(
      async () => {
        const out = await bird.birdc(`show route ${IBGP_ROUTE} all`).catch(() => '');
        return out.includes(IBGP_ROUTE) ? out : undefined;
      },
      { what: `BIRD holds ${IBGP_ROUTE}` },
    );
    assert.match(text, /BGP\.local_pref: 200\b/, 'LOCAL_PREF');
    assert.match(text, /BGP\.as_path:\s*$/m, 'iBGP: empty AS_PATH');
    assert.match(text, new RegExp(`BGP\\.next_hop: ${IBGP_SOURCE.replaceAll('.', '\\.')}\\b`));
  });
});

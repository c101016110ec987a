// The shipped `portside speaker` (configured through the API, e2e/bgp/interop-lab.ts) against
// real GoBGP and BIRD 2 routers: eBGP over IPv4 and IPv6, communities and large communities
// read back from each router, iBGP with LOCAL_PREF and an empty AS_PATH, withdraw (the
// Service deleted), router restart.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startBird, startGobgp } from '../routers/index.ts';
import type { GobgpPath, StartBirdOptions, StartGobgpOptions } from '../routers/index.ts';
import { waitFor } from '../wait.ts';
import { parseCommunity } from '../../speaker/bgp/attributes/communities.ts';
import { speakerEvents } from '../resilience/lab.ts';
import { COMMUNITY, configureEbgp, IBGP_ROUTE, interopLab, LARGE_COMMUNITY, NODE_ASN, TOR_ASN, V4, V6, switchToIbgp, withdrawV4, type InteropLab } from './interop-lab.ts';

const TIMERS = { holdTimeS: 9, keepaliveS: 3 };

/** Sessions `peers` Established `count` times. */
function waitSessions(lab: InteropLab, count: number, peers = ['tor4', 'tor6']): Promise<boolean> {
  return waitFor(() => peers.every((p) => speakerEvents(lab.node, 'bgp_session_established', p).length >= count) || undefined, {
    what: `sessions ${peers.join(', ')} Established (#${count})`, timeoutMs: 30_000,
  });
}

test('`portside speaker` with GoBGP: v4 and v6 routes with communities and large communities; iBGP with LOCAL_PREF; withdraw; restart', async (t) => {
  const lab = await interopLab(t, ['gobgpd', 'gobgp']);
  if (!lab) return;
  const { c, node, router, ibgpSource } = lab;
  await c.lab.dumpOnFailure(async () => {
    const options: StartGobgpOptions = {
      asn: TOR_ASN,
      routerId: router.v4,
      neighbors: [
        { address: node.v4, peerAs: NODE_ASN, ...TIMERS },
        { address: node.v6, peerAs: NODE_ASN, ...TIMERS },
        { address: ibgpSource, peerAs: TOR_ASN, ...TIMERS },
      ],
    };
    let gobgp = await startGobgp(c.lab, router.ns, options);
    await configureEbgp(lab);
    await waitSessions(lab, 1);
    const path = async (prefix: string): Promise<GobgpPath | undefined> => (await gobgp.rib(prefix.includes(':') ? 'ipv6' : 'ipv4'))[prefix]?.[0];
    const attr = (p: GobgpPath, type: number) => p.attrs.find((a) => a.type === type);
    for (const [prefix, hop] of [[V4, node.v4], [V6, node.v6]] as const) {
      const p = await waitFor(() => path(prefix), { what: `GoBGP holds ${prefix}`, timeoutMs: 30_000 });
      assert.deepEqual(attr(p, 8)?.communities, [parseCommunity(COMMUNITY)], `${prefix} community`);
      const [ASN, LocalData1, LocalData2] = LARGE_COMMUNITY.split(':').map(Number);
      assert.deepEqual(attr(p, 32)?.value, [{ ASN, LocalData1, LocalData2 }], `${prefix} large community`);
      const nextHop = attr(p, 3)?.nexthop ?? (attr(p, 14)?.nexthop as string | undefined);
      assert.equal(nextHop, hop);
    }

    await withdrawV4(lab);
    await waitFor(async () => (await path(V4)) === undefined, { what: 'GoBGP drops the withdrawn route' });

    await gobgp.stop();
    gobgp = await startGobgp(c.lab, router.ns, options);
    await waitSessions(lab, 2, ['tor6']);
    await waitFor(() => path(V6), { what: 'IPv6 route re-announced to the restarted GoBGP' });
    assert.equal(await path(V4), undefined);

    // iBGP: `ibgp` replaces `tor4` (same router address, the node's second address as source).
    await switchToIbgp(lab);
    await waitSessions(lab, 1, ['ibgp']);
    const ib = await waitFor(() => path(IBGP_ROUTE), { what: `GoBGP holds ${IBGP_ROUTE}`, timeoutMs: 30_000 });
    assert.equal(attr(ib, 5)?.value, 200, 'LOCAL_PREF');
    assert.equal(attr(ib, 3)?.nexthop, ibgpSource);
    const asPath = attr(ib, 2)?.as_paths as unknown[] | undefined;
    assert.ok(asPath === undefined || asPath.length === 0, `iBGP: empty AS_PATH (${JSON.stringify(asPath)})`);
    assert.deepEqual(attr(ib, 8)?.communities, [parseCommunity(COMMUNITY)]);
  });
});

test('`portside speaker` with BIRD: v4 and v6 routes with communities and large communities; iBGP with LOCAL_PREF; withdraw; restart', async (t) => {
  const lab = await interopLab(t, ['bird', 'birdc']);
  if (!lab) return;
  const { c, node, router, ibgpSource } = lab;
  await c.lab.dumpOnFailure(async () => {
    const options: StartBirdOptions = {
      asn: TOR_ASN,
      routerId: router.v4,
      neighbors: [
        { name: 'n4', address: node.v4, peerAs: NODE_ASN, ...TIMERS },
        { name: 'n6', address: node.v6, peerAs: NODE_ASN, ...TIMERS },
        { name: 'ib', address: ibgpSource, peerAs: TOR_ASN, ...TIMERS },
      ],
      // iBGP next hops resolve recursively through master4: give it the connected LAN.
      extraConfig: 'protocol direct { ipv4; interface "eth0"; }',
    };
    let bird = await startBird(c.lab, router.ns, options);
    await configureEbgp(lab);
    await waitSessions(lab, 1);
    // `show route all` prints each path's attributes under it; BIRD writes (a,b) and (a, b, c).
    const routeText = async (prefix: string) => {
      // birdc exits 1 ("Network not found") for a prefix it does not hold.
      const text = await bird.birdc(`show route ${prefix} all`).catch(() => '');
      return text.includes(prefix) ? text : undefined;
    };
    const [c1, c2] = COMMUNITY.split(':');
    const [l1, l2, l3] = LARGE_COMMUNITY.split(':');
    for (const prefix of [V4, V6]) {
      const text = await waitFor(() => routeText(prefix), { what: `BIRD holds ${prefix}`, timeoutMs: 30_000 });
      assert.match(text, new RegExp(`BGP\\.community: \\(${c1},${c2}\\)`), `${prefix} community`);
      assert.match(text, new RegExp(`BGP\\.large_community: \\(${l1}, ${l2}, ${l3}\\)`), `${prefix} large community`);
      assert.match(text, new RegExp(`BGP\\.as_path: ${NODE_ASN}\\b`));
    }
    assert.match((await routeText(V6)) ?? '', new RegExp(`BGP\\.next_hop: ${node.v6} ${await node.ns.linkLocal('eth0')}`));

    await withdrawV4(lab);
    await waitFor(async () => (await routeText(V4)) === undefined, { what: 'BIRD drops the withdrawn route' });

    await bird.stop();
    bird = await startBird(c.lab, router.ns, options);
    await waitSessions(lab, 2, ['tor6']);
    await waitFor(() => routeText(V6), { what: 'IPv6 route re-announced to the restarted BIRD' });
    assert.equal(await routeText(V4), undefined);

    // iBGP: `ibgp` replaces `tor4` (same router address, the node's second address as source).
    await switchToIbgp(lab);
    await waitSessions(lab, 1, ['ibgp']);
    const ib = await waitFor(() => routeText(IBGP_ROUTE), { what: `BIRD holds ${IBGP_ROUTE}`, timeoutMs: 30_000 });
    assert.match(ib, /BGP\.local_pref: 200\b/, 'LOCAL_PREF');
    assert.match(ib, /BGP\.as_path:\s*$/m, 'iBGP: empty AS_PATH');
    assert.match(ib, new RegExp(`BGP\\.next_hop: ${ibgpSource.replaceAll('.', '\\.')}\\b`));
  });
});

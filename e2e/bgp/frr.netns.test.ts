// The shipped `portside speaker` (configured through the API, e2e/bgp/interop-lab.ts) against
// a real FRR 8.4 ToR: eBGP over IPv4 and IPv6, iBGP with LOCAL_PREF, communities and large
// communities, withdraw (the Service deleted), router restart.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startFrr } from '../routers/index.ts';
import type { FrrOptions } from '../routers/index.ts';
import { speakerEvents } from '../resilience/lab.ts';
import { waitFor } from '../wait.ts';
import { COMMUNITY, configureEbgp, IBGP_ROUTE, interopLab, LARGE_COMMUNITY, NODE_ASN, TOR_ASN, V4, V6, switchToIbgp, withdrawV4 } from './interop-lab.ts';

interface FrrPrefixPath {
  aspath?: { string: string };
  community?: { string: string };
  largeCommunity?: { string: string };
  locPrf?: number;
  nexthops?: Array<{ ip: string; scope?: string }>;
}

test('`portside speaker` with FRR: eBGP v4+v6 and iBGP sessions carry our routes with communities; withdraw; router restart', async (t) => {
  const lab = await interopLab(t, ['vtysh', '/usr/lib/frr/bgpd']);
  if (!lab) return;
  const { c, node, router, ibgpSource } = lab;
  await c.lab.dumpOnFailure(async () => {
    const timers = { keepaliveS: 3, holdS: 9 };
    const frrOptions: FrrOptions = {
      asn: TOR_ASN,
      routerId: router.v4,
      neighbors: [
        { address: node.v4, remoteAs: NODE_ASN, timers },
        { address: node.v6, remoteAs: NODE_ASN, timers },
        { address: ibgpSource, remoteAs: 'internal', timers },
      ],
    };
    let frr = await startFrr(c.lab, router.ns, frrOptions);
    await configureEbgp(lab);
    const established = (peer: string) => speakerEvents(node, 'bgp_session_established', peer).length;
    await waitFor(() => ['tor4', 'tor6'].every((p) => established(p) >= 1), { what: 'sessions tor4 and tor6 Established', timeoutMs: 30_000 });
    const path = async (prefix: string) => {
      const afi = prefix.includes(':') ? 'ipv6' : 'ipv4';
      const r = await frr.vtyshJson<{ paths?: FrrPrefixPath[] }>(`show bgp ${afi} unicast ${prefix} json`);
      return r.paths?.[0];
    };

    const v4 = await waitFor(() => path(V4), { what: `FRR holds ${V4}`, timeoutMs: 30_000 });
    assert.equal(v4.aspath?.string, String(NODE_ASN));
    assert.equal(v4.community?.string, COMMUNITY);
    assert.equal(v4.largeCommunity?.string, LARGE_COMMUNITY);
    assert.equal(v4.nexthops?.[0]?.ip, node.v4);
    const v6 = await waitFor(() => path(V6), { what: `FRR holds ${V6}`, timeoutMs: 30_000 });
    assert.equal(v6.community?.string, COMMUNITY);
    assert.equal(v6.largeCommunity?.string, LARGE_COMMUNITY);
    assert.deepEqual(v6.nexthops?.map((h) => h.ip).sort(), [node.v6, await node.ns.linkLocal('eth0')].sort(), 'global + link-local next hop');
    await frr.waitKernelRoute(V4, [node.v4]);

    await withdrawV4(lab);
    await waitFor(async () => (await path(V4)) === undefined, { what: 'FRR drops the withdrawn route' });

    await frr.stop();
    frr = await startFrr(c.lab, router.ns, frrOptions);
    assert.ok(speakerEvents(node, 'bgp_session_down', 'tor6').length > 0, 'session went down while FRR was stopped');
    await waitFor(() => established('tor6') >= 2 && established('tor4') >= 2, { what: 'tor4 and tor6 Established again', timeoutMs: 30_000 });
    await waitFor(() => path(V6), { what: 'IPv6 route re-announced after the restart' });
    assert.equal(await path(V4), undefined, 'the withdrawn route stays withdrawn');

    // iBGP: `ibgp` replaces `tor4` (same router address, the node's second address as source).
    await switchToIbgp(lab);
    const ibgp = await waitFor(() => path(IBGP_ROUTE), { what: 'FRR holds the iBGP route', timeoutMs: 30_000 });
    assert.equal(ibgp.locPrf, 200);
    assert.equal(ibgp.aspath?.string, 'Local', 'iBGP: empty AS_PATH');
    assert.equal(ibgp.nexthops?.[0]?.ip, ibgpSource);
    assert.equal(await path(V6) !== undefined, true, 'tor6 still carries the IPv6 route');
  });
});

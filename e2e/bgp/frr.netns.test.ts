// Our speaker (in a node namespace) against a real FRR 8.4 ToR: eBGP over IPv4 and IPv6,
// iBGP with LOCAL_PREF, communities and large communities, withdraw, router restart.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startFrr } from '../routers/index.ts';
import type { FrrOptions } from '../routers/index.ts';
import { waitFor } from '../wait.ts';
import { SpeakerWorker, speakerLab } from './harness.ts';
import { COMMUNITY, FAST, FAST_DEFAULTS, LARGE_COMMUNITY, NODE_ASN, TOR, hostRoute, torAndNodes, torPeers } from './topology.ts';

interface FrrPrefixPath {
  aspath?: { string: string };
  community?: { string: string };
  largeCommunity?: { string: string };
  locPrf?: number;
  nexthops?: Array<{ ip: string; scope?: string }>;
}

const IBGP_SOURCE = '198.51.100.99';

test('FRR: eBGP v4+v6 and iBGP sessions carry our routes with communities; withdraw; router restart', async (t) => {
  const lab = await speakerLab(t, ['vtysh', '/usr/lib/frr/bgpd']);
  if (!lab) return;
  await lab.dumpOnFailure(async () => {
    const { tor, nodes } = await torAndNodes(lab, 1, [IBGP_SOURCE]);
    const node = nodes[0]!;
    const frrOptions: FrrOptions = {
      asn: TOR.asn,
      routerId: TOR.v4,
      neighbors: [
        { address: node.v4, remoteAs: NODE_ASN, timers: { keepaliveS: 3, holdS: 9 } },
        { address: node.v6, remoteAs: NODE_ASN, timers: { keepaliveS: 3, holdS: 9 } },
        { address: IBGP_SOURCE, remoteAs: 'internal', timers: { keepaliveS: 3, holdS: 9 } },
      ],
    };
    let frr = await startFrr(lab, tor, frrOptions);
    const worker = await SpeakerWorker.start(lab, node.ns, {
      node: { name: 'n1', addresses: [node.v4, node.v6] },
      defaults: FAST_DEFAULTS,
      peers: [
        ...torPeers(),
        { name: 'ibgp', peerAddress: TOR.v4, sourceAddress: IBGP_SOURCE, myASN: TOR.asn, peerASN: TOR.asn, ...FAST },
      ],
      routes: {
        tor4: [hostRoute('203.0.113.10/32')],
        tor6: [hostRoute('2001:db8:ff::10/128')],
        ibgp: [hostRoute('203.0.113.20/32', { localPref: 200 })],
      },
    });
    for (const peer of ['tor4', 'tor6', 'ibgp']) await worker.waitUp(peer);
    const path = async (prefix: string) => {
      const afi = prefix.includes(':') ? 'ipv6' : 'ipv4';
      const r = await frr.vtyshJson<{ paths?: FrrPrefixPath[] }>(`show bgp ${afi} unicast ${prefix} json`);
      return r.paths?.[0];
    };

    const v4 = await waitFor(() => path('203.0.113.10/32'), { what: 'FRR holds 203.0.113.10/32' });
    assert.equal(v4.aspath?.string, String(NODE_ASN));
    assert.equal(v4.community?.string, COMMUNITY);
    assert.equal(v4.largeCommunity?.string, LARGE_COMMUNITY);
    assert.equal(v4.nexthops?.[0]?.ip, node.v4);
    const v6 = await waitFor(() => path('2001:db8:ff::10/128'), { what: 'FRR holds 2001:db8:ff::10/128' });
    assert.equal(v6.community?.string, COMMUNITY);
    assert.equal(v6.largeCommunity?.string, LARGE_COMMUNITY);
    assert.deepEqual(v6.nexthops?.map((h) => h.ip).sort(), [node.v6, await node.ns.linkLocal('eth0')].sort(), 'global + link-local next hop');
    const ibgp = await waitFor(() => path('203.0.113.20/32'), { what: 'FRR holds the iBGP route' });
    assert.equal(ibgp.locPrf, 200);
    assert.equal(ibgp.aspath?.string, 'Local', 'iBGP: empty AS_PATH');
    assert.equal(ibgp.nexthops?.[0]?.ip, IBGP_SOURCE);
    await frr.waitKernelRoute('203.0.113.10/32', [node.v4]);

    worker.setRoutes('tor4', []);
    await waitFor(async () => (await path('203.0.113.10/32')) === undefined, { what: 'FRR drops the withdrawn route' });

    await frr.stop();
    frr = await startFrr(lab, tor, frrOptions);
    assert.ok(worker.events('down', 'tor6').length > 0, 'session went down while FRR was stopped');
    await worker.waitUp('tor6', 2, { timeoutMs: 15_000 });
    await worker.waitUp('ibgp', 2, { timeoutMs: 15_000 });
    await waitFor(() => path('2001:db8:ff::10/128'), { what: 'IPv6 route re-announced after the restart' });
    await waitFor(() => path('203.0.113.20/32'), { what: 'iBGP route re-announced after the restart' });
    assert.equal(await path('203.0.113.10/32'), undefined, 'the withdrawn route stays withdrawn');
  });
});

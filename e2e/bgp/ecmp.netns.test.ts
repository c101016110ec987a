// Three speaker nodes announce one VIP to an FRR ToR with `bgp listen range` and
// `maximum-paths 8`: the kernel route has three next hops; a withdraw leaves two.
import { test } from 'node:test';
import { startFrr } from '../routers/index.ts';
import { SpeakerWorker, speakerLab } from './harness.ts';
import { FAST_DEFAULTS, LAN4, TOR, hostRoute, torAndNodes, torPeers } from './topology.ts';

const VIP = '203.0.113.100/32';

test('ECMP: three nodes give FRR a 3-way kernel route; one withdraw leaves two', async (t) => {
  const lab = await speakerLab(t, ['vtysh', '/usr/lib/frr/bgpd']);
  if (!lab) return;
  await lab.dumpOnFailure(async () => {
    const { tor, nodes } = await torAndNodes(lab, 3);
    const frr = await startFrr(lab, tor, {
      asn: TOR.asn,
      routerId: TOR.v4,
      maximumPaths: 8,
      listenRanges: [{ range: LAN4, peerGroup: 'NODES', remoteAs: 'external', timers: { keepaliveS: 3, holdS: 9 } }],
    });
    const workers = await Promise.all(
      nodes.map((n, i) =>
        SpeakerWorker.start(lab, n.ns, {
          node: { name: `n${i + 1}`, addresses: [n.v4] },
          defaults: FAST_DEFAULTS,
          peers: torPeers().slice(0, 1),
          routes: { tor4: [hostRoute(VIP)] },
        }),
      ),
    );
    await frr.waitKernelRoute(VIP, nodes.map((n) => n.v4));
    t.diagnostic('FRR installed a 3-way ECMP route');
    workers[0]!.setRoutes('tor4', []);
    await frr.waitKernelRoute(VIP, nodes.slice(1).map((n) => n.v4), { timeoutMs: 5_000 });
  });
});

// BFD with FRR bfdd at 300 ms × 3 next to each BGP session: three speaker nodes give FRR a
// 3-way ECMP route; cutting one node's switch port makes FRR drop that next hop within the
// BFD detection time (not the 9 s hold time), and the node's routes come back with the link.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitFor } from '../wait.ts';
import { speakerLab } from '../bgp/harness.ts';
import { TOR } from '../bgp/topology.ts';
import { resilienceLab, startSpeaker, torPeer, VIP_PREFIX } from './lab.ts';

const PROFILE = { receiveIntervalMs: 300, transmitIntervalMs: 300, detectMultiplier: 3 };

test('BFD 300 ms × 3 with FRR: a cut link drops the ECMP next hop in about a second', async (t) => {
  const lab = await speakerLab(t, ['vtysh', '/usr/lib/frr/bgpd', '/usr/lib/frr/bfdd']);
  if (!lab) return;
  await lab.dumpOnFailure(async () => {
    const r = await resilienceLab(lab, { nodes: 3, bfd: PROFILE });
    const peer = torPeer({ bfd: { name: 'fast', ...PROFILE } });
    const workers = await Promise.all(r.nodes.map((n) => startSpeaker(r, n, peer)));
    const all = r.nodes.map((n) => n.v4);
    await r.frr.waitKernelRoute(VIP_PREFIX, all);
    for (const n of r.nodes) {
      const p = await r.frr.waitBfd(n.v4, 'up');
      assert.equal(p['remote-transmit-interval'], 300, `FRR sees our 300 ms from ${n.name}`);
      assert.equal(p['remote-detect-multiplier'], 3);
    }
    for (const w of workers) await w.waitLine((l) => l.ev === 'bfd' && l.to === 'Up', { what: 'our BFD Up' });

    // Cut n1 off at the switch: FRR's bfdd misses 3 packets, bgpd drops the session, zebra the next hop.
    const [cut] = r.nodes;
    const since = performance.now();
    const cutAt = Date.now();
    await cut!.link.setDown();
    await r.frr.waitKernelRoute(VIP_PREFIX, all.slice(1), { timeoutMs: 5_000, intervalMs: 5 });
    const ms = performance.now() - since;
    t.diagnostic(`link down → FRR kernel route lost the next hop: ${Math.round(ms)} ms (detection time 900 ms)`);
    assert.ok(ms < 5_000, `took ${Math.round(ms)} ms`);

    // Our side noticed too (no packets from FRR) and tore the BGP session down at once.
    const w1 = workers[0]!;
    const down = await w1.waitLine((l) => l.ev === 'bfd' && l.from === 'Up' && Number(l.at) >= cutAt, { what: 'our BFD Down' });
    const bgpDown = await w1.waitLine((l) => l.ev === 'down' && /BFD session down/.test(String(l.reason)), { what: 'BGP torn down by BFD' });
    t.diagnostic(`our BFD Down ${Number(down.at) - cutAt} ms after the cut; BGP down ${Number(bgpDown.at) - Number(down.at)} ms after that`);
    assert.equal(down.diag, 1, 'control detection time expired');
    assert.ok(w1.lines().some((l) => l.event === 'bfd_down' && /BGP session torn down/.test(String(l.msg))));

    // Link back: BFD Up, BGP re-established, routes re-announced: 3 next hops again.
    await cut!.link.setUp();
    await r.frr.waitKernelRoute(VIP_PREFIX, all, { timeoutMs: 15_000 });
    await w1.waitUp('tor4', 2);
    await r.frr.waitBfd(cut!.v4, 'up');
    await waitFor(() => w1.lines().filter((l) => l.ev === 'bfd' && l.to === 'Up').length >= 2, { what: 'our BFD Up again' });
    for (const w of workers.slice(1)) assert.equal(w.events('down').length, 0, 'the other nodes kept their sessions');
    assert.ok(r.frr.options.listenRanges?.length, `dynamic neighbors on ${TOR.v4}`);
  });
});

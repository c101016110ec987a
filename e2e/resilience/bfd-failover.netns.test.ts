// BFD at 300 ms × 3 between three real `portside speaker` nodes (configured through the API:
// BFDProfile, BGPPeer with bfdProfile) and an FRR ToR (bgpd + bfdd) that has a 3-way ECMP
// route to the nodes' VIP. Cutting one node's switch port makes FRR drop that next hop on
// BFD (its bgpd's last reset says so) well before the 9 s hold time; the speaker sees its
// BFD session expire and tears its BGP session down; the node's route comes back with the
// link, and the other nodes' sessions never drop.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { countsSince, torCounts } from '../bfd/tor-lab.ts';
import { waitFor } from '../wait.ts';
import { lineTime, resilienceLab, speakerEvents, waitSpeakerLine, VIP_PREFIX } from './lab.ts';

const PROFILE = { receiveIntervalMs: 300, transmitIntervalMs: 300, detectMultiplier: 3 };
const HOLD_MS = 9_000;

test('BFD 300 ms × 3 between `portside speaker` and FRR: a cut link drops the ECMP next hop on BFD, well before the hold time', async (t) => {
  const r = await resilienceLab(t, { nodes: 3, bfd: PROFILE });
  if (!r) return;
  const { c, frr } = r;
  await c.lab.dumpOnFailure(async () => {
    const all = r.nodes.map((n) => n.v4);
    for (const n of r.nodes) {
      const p = await frr.waitBfd(n.v4, 'up');
      assert.equal(p['remote-transmit-interval'], 300, `FRR sees our 300 ms from ${n.name}`);
      assert.equal(p['remote-detect-multiplier'], 3);
      await waitSpeakerLine(n, (l) => l.event === 'bfd_session_state' && l.to === 'Up', 'our BFD Up');
    }

    // Cut node1 off at the switch: FRR's bfdd misses 3 packets, bgpd drops the session, zebra the next hop.
    const [cut, ...others] = r.nodes;
    assert.ok(cut);
    const before = await torCounts(frr, r.nodes);
    const bfdCeases = () => readFileSync(frr.processes.bgpd!.logFile, 'utf8')
      .match(new RegExp(`NOTIFICATION: sent to neighbor ${cut.v4.replaceAll('.', '\\.')} 6/10 \\(Cease/BFD Down\\)`, 'g'))?.length ?? 0;
    const ceasesBefore = bfdCeases();
    const since = performance.now();
    const cutAt = Date.now();
    await cut.link.setDown();
    await frr.waitKernelRoute(VIP_PREFIX, all.slice(1), { timeoutMs: HOLD_MS * 2, intervalMs: 5 });
    const ms = performance.now() - since;
    t.diagnostic(`link down → FRR kernel route lost the next hop: ${Math.round(ms)} ms (detection time 900 ms, hold time ${HOLD_MS} ms)`);
    // Why it dropped, from FRR itself (not a wall-clock race against the hold timer): bgpd
    // ended the session with Cease/BFD Down (a dynamic neighbor is deleted, so its JSON keeps no reset reason).
    await waitFor(() => bfdCeases() === ceasesBefore + 1, { what: `FRR's bgpd ends the session with ${cut.name} on BFD Down` });
    assert.ok(ms < HOLD_MS - 1_000, `the next hop went ${Math.round(ms)} ms after the cut: not before the hold time`);

    // Our side noticed too (no packets from FRR) and tore the BGP session down at once.
    const down = await waitSpeakerLine(cut, (l) => l.event === 'bfd_session_state' && l.from === 'Up' && lineTime(l) >= cutAt, 'our BFD Down');
    const bgpDown = await waitSpeakerLine(cut, (l) => l.event === 'bgp_session_down' && /BFD session down/.test(String(l.reason)), 'BGP torn down by BFD');
    t.diagnostic(`our BFD Down ${lineTime(down) - cutAt} ms after the cut; BGP down ${lineTime(bgpDown) - lineTime(down)} ms after that`);
    assert.equal(down.diag, 1, 'control detection time expired');
    assert.ok(speakerEvents(cut, 'bfd_down').some((l) => /BGP session torn down/.test(String(l.msg))));

    // Link back: BFD Up, BGP re-established, routes re-announced: 3 next hops again.
    await cut.link.setUp();
    await frr.waitKernelRoute(VIP_PREFIX, all, { timeoutMs: 30_000 });
    await frr.waitBfd(cut.v4, 'up', { timeoutMs: 15_000 });
    await waitFor(() => speakerEvents(cut, 'bgp_session_established').length >= 2, { what: 'our BGP session Established again' });
    await waitFor(() => speakerEvents(cut, 'bfd_session_state').filter((l) => l.to === 'Up').length >= 2, { what: 'our BFD Up again' });

    // The other nodes kept their sessions: neither FRR nor their speakers saw a drop.
    const delta = countsSince(before, await torCounts(frr, r.nodes));
    for (const n of others) {
      assert.deepEqual({ bfdDown: delta[n.name]?.bfdDown, bgpDropped: delta[n.name]?.bgpDropped }, { bfdDown: 0, bgpDropped: 0 }, `the ToR's sessions with ${n.name}`);
      assert.deepEqual(speakerEvents(n, 'bgp_session_down'), [], `${n.name} kept its BGP session`);
      assert.equal(speakerEvents(n, 'bfd_session_state').filter((l) => l.from === 'Up').length, 0, `${n.name} kept its BFD session`);
    }
    for (const n of r.nodes) assert.ok(n.speaker?.running, `${n.name}: speaker alive`);
  });
});

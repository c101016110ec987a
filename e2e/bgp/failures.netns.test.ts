// BGPPeers of the shipped `portside speaker` (configured through the API) that never come
// up: nobody at the address, nothing listening, the router expects another ASN. Each gets a
// clear log line with a stable `event`, attempts are spaced by the connect-retry backoff (no
// busy loop), the speaker keeps running (the same process) and its ConfigurationState stays
// Valid, naming nothing it could not honour.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { startFrr } from '../routers/index.ts';
import { startLabCluster } from '../speaker/lab-cluster.ts';
import { lineTime, speakerEvents, type SpeakerLine } from '../resilience/lab.ts';
import { waitFor } from '../wait.ts';

const TOR_ASN = 64512;
const NODE_ASN = 64600;

/** utime + stime of a process, in clock ticks (100 per second). */
function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return Number(fields[11]) + Number(fields[12]);
}

function minGapMs(lines: readonly SpeakerLine[]): number {
  const at = lines.map(lineTime);
  return Math.min(...at.slice(1).map((t, i) => t - (at[i] ?? 0)));
}

test('`portside speaker`: unreachable, refused and wrong-ASN peers: clear log lines, bounded retries, no crash', async (t) => {
  const c = await startLabCluster(t, { nodes: 1, commands: ['vtysh', '/usr/lib/frr/bgpd'], router: {} });
  if (!c) return;
  await c.lab.dumpOnFailure(async () => {
    const node = c.nodes[0]!;
    const speaker = node.speaker!;
    const router = c.router!;
    const nobody = c.addr(14); // on the segment, no one there: ARP goes unanswered
    const quiet = c.addr(13);
    await c.host('quiet', 13); // there, nothing listening on 179: refused
    // FRR expects AS 64601 from us; we are 64600.
    await startFrr(c.lab, router.ns, { asn: TOR_ASN, routerId: router.v4, neighbors: [{ address: node.v4, remoteAs: NODE_ASN + 1 }] });
    const peer = (peerAddress: string) => ({ peerAddress, myASN: NODE_ASN, peerASN: TOR_ASN, connectTime: '1s', holdTime: '9s' });
    const ticks0 = cpuTicks(speaker.pid);
    const t0 = Date.now();
    await c.apply('bgppeers', 'BGPPeer', 'unreachable', peer(nobody));
    await c.apply('bgppeers', 'BGPPeer', 'refused', peer(quiet));
    await c.apply('bgppeers', 'BGPPeer', 'wrong-as', peer(router.v4));

    const failed = (name: string) => speakerEvents(node, 'bgp_connect_failed', name);
    const refused = await waitFor(() => (failed('refused').length >= 3 ? failed('refused') : undefined), { what: 'three refused attempts', timeoutMs: 30_000 });
    assert.equal(refused[0]?.outcome, 'refused');
    assert.match(String(refused[0]?.msg), /connection refused/);
    assert.ok(minGapMs(refused) >= 700, `refused attempts spaced by backoff (min gap ${minGapMs(refused)} ms)`);

    const unreachable = await waitFor(() => (failed('unreachable').length >= 3 ? failed('unreachable') : undefined), { what: 'three unanswered attempts', timeoutMs: 30_000 });
    assert.ok(['noReply', 'unreachable'].includes(String(unreachable[0]?.outcome)), `outcome ${String(unreachable[0]?.outcome)}`);
    assert.ok(minGapMs(unreachable) >= 700, `unanswered attempts spaced by connect-retry (min gap ${minGapMs(unreachable)} ms)`);

    const rejected = await waitFor(() => {
      const n = speakerEvents(node, 'bgp_notification_received', 'wrong-as');
      return n.length >= 2 ? n : undefined;
    }, { what: 'FRR rejects our OPEN twice', timeoutMs: 30_000 });
    assert.deepEqual([rejected[0]?.code, rejected[0]?.subcode], [2, 2], 'OPEN Message Error / Bad Peer AS');
    assert.match(String(rejected[0]?.msg), /Bad Peer AS/);
    assert.ok(minGapMs(rejected) >= 700, `re-tries after a NOTIFICATION back off (min gap ${minGapMs(rejected)} ms)`);

    const seconds = (Date.now() - t0) / 1000;
    const cpu = (cpuTicks(speaker.pid) - ticks0) / 100 / seconds;
    t.diagnostic(`speaker CPU ${(cpu * 100).toFixed(1)}% over ${seconds.toFixed(1)} s of failing peers`);
    // Generous: the whole speaker (informers, status writes, debug logging) on a loaded machine; a busy loop is 100%.
    assert.ok(cpu < 0.3, 'no busy loop');
    assert.deepEqual(speakerEvents(node, 'bgp_session_established'), []);
    assert.ok(speaker.running && node.speaker === speaker, 'the same speaker process throughout');
    assert.equal((await c.configState(node.name))?.result, 'Valid');
  });
});

// Peers that never come up: nobody at the address, nothing listening, the router expects
// another ASN. Each gets a clear log line with a stable `event`, attempts are spaced by the
// connect-retry backoff (no busy loop), and the speaker keeps running.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { startFrr } from '../routers/index.ts';
import { waitFor } from '../wait.ts';
import { SpeakerWorker, speakerLab } from './harness.ts';
import type { WorkerLine } from './harness.ts';
import { hostOf } from '../lab/builder.ts';
import { FAST, FAST_DEFAULTS, NODE_ASN, TOR, torAndNodes } from './topology.ts';

const NOBODY = '198.51.100.200';
const QUIET = '198.51.100.3';

/** utime + stime of a process, in clock ticks (100 per second). */
function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return Number(fields[11]) + Number(fields[12]);
}

function minGapMs(lines: readonly WorkerLine[]): number {
  const at = lines.map((l) => Number(l.at));
  return Math.min(...at.slice(1).map((t, i) => t - (at[i] ?? 0)));
}

test('unreachable, refused and wrong-ASN peers: clear log lines, bounded retries, no crash', async (t) => {
  const lab = await speakerLab(t, ['vtysh', '/usr/lib/frr/bgpd']);
  if (!lab) return;
  await lab.dumpOnFailure(async () => {
    const topo = await torAndNodes(lab);
    const { tor, nodes } = topo;
    const node = nodes[0]!;
    await topo.host('quiet', hostOf(QUIET));
    // FRR expects AS 64601 from us; we are 64600.
    await startFrr(lab, tor, { asn: TOR.asn, routerId: TOR.v4, neighbors: [{ address: node.v4, remoteAs: NODE_ASN + 1 }] });
    const peer = (name: string, peerAddress: string) => ({ name, peerAddress, myASN: NODE_ASN, peerASN: TOR.asn, ...FAST });
    const worker = await SpeakerWorker.start(lab, node.ns, {
      node: { name: 'n1', addresses: [node.v4] },
      defaults: FAST_DEFAULTS,
      peers: [peer('unreachable', NOBODY), peer('refused', QUIET), peer('wrongAs', TOR.v4)],
    });
    const ticks0 = cpuTicks(worker.pid);
    const t0 = Date.now();

    const refused = await waitFor(() => (worker.events('connectFailed', 'refused').length >= 3 ? worker.events('connectFailed', 'refused') : undefined), {
      what: 'three refused attempts',
    });
    assert.equal(refused[0]?.outcome, 'refused');
    assert.ok(minGapMs(refused) >= 700, `refused attempts spaced by backoff (min gap ${minGapMs(refused)} ms)`);
    assert.ok(worker.lines().some((l) => l.event === 'bgp_connect_failed' && l.peer === 'refused' && /connection refused/.test(l.msg ?? '')));

    const unreachable = await waitFor(() => (worker.events('connectFailed', 'unreachable').length >= 3 ? worker.events('connectFailed', 'unreachable') : undefined), {
      what: 'three unanswered attempts',
    });
    assert.ok(['noReply', 'unreachable'].includes(String(unreachable[0]?.outcome)));
    assert.ok(minGapMs(unreachable) >= 700, `unanswered attempts spaced by connect-retry (min gap ${minGapMs(unreachable)} ms)`);

    const rejected = await waitFor(() => {
      const n = worker.events('notification', 'wrongAs').filter((l) => l.direction === 'received');
      return n.length >= 2 ? n : undefined;
    }, { what: 'FRR rejects our OPEN twice' });
    assert.deepEqual([rejected[0]?.code, rejected[0]?.subcode], [2, 2], 'OPEN Message Error / Bad Peer AS');
    assert.ok(minGapMs(rejected) >= 700, `re-tries after a NOTIFICATION back off (min gap ${minGapMs(rejected)} ms)`);
    assert.ok(worker.lines().some((l) => l.event === 'bgp_notification_received' && l.peer === 'wrongAs' && /Bad Peer AS/.test(l.msg ?? '')));

    const seconds = (Date.now() - t0) / 1000;
    const cpu = (cpuTicks(worker.pid) - ticks0) / 100 / seconds;
    t.diagnostic(`worker CPU ${(cpu * 100).toFixed(1)}% over ${seconds.toFixed(1)} s of failing peers`);
    assert.ok(cpu < 0.2, 'no busy loop');
    assert.deepEqual(worker.events('up'), []);
    assert.ok(worker.process.running, 'speaker still running');
  });
});

// Bad input around BFD: malformed packets at our control port, a BFD peer that goes silent
// (nftables drops FRR's BFD packets) and a BGPPeer whose BFD profile asks for echo mode.
// Each gets a clear report; nothing crashes; the other session stays up throughout.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { run } from '../netns/index.ts';
import { waitFor } from '../wait.ts';
import { speakerLab } from '../bgp/harness.ts';
import { TOR } from '../bgp/topology.ts';
import { resilienceLab, startSpeaker, torPeer, VIP_PREFIX } from './lab.ts';

const PROFILE = { receiveIntervalMs: 300, transmitIntervalMs: 300, detectMultiplier: 3 };
const SECOND = '198.51.100.20';

// Garbage, a truncated header, version 0, detect multiplier 0, and a well-formed packet for a session we do not have.
const SENDER = `
const s = require('node:dgram').createSocket('udp4');
const hex = ['deadbeef', '20c003', '00c0031800000001000000000007a1200007a12000000000', '20c0001800000001000000000007a1200007a12000000000', '20c0031800000001123456780007a1200007a12000000000'];
let n = 0;
const packets = Array.from({ length: 20 }, (_, i) => Buffer.from(hex[i % hex.length], 'hex'));
for (const p of packets) s.send(p, 3784, process.argv[1], () => { if (++n === packets.length) s.close(); });
`;

test('malformed BFD packets, a silent BFD peer, an echo-mode profile: reported, no crash, others stay up', async (t) => {
  const lab = await speakerLab(t, ['vtysh', '/usr/lib/frr/bgpd', '/usr/lib/frr/bfdd', 'nft']);
  if (!lab) return;
  await lab.dumpOnFailure(async () => {
    const r = await resilienceLab(lab, { nodes: 1, bfd: PROFILE });
    const node = r.nodes[0]!;
    await node.ns.addAddress('eth0', `${SECOND}/24`);
    const worker = await startSpeaker(r, node, torPeer({ bfd: { name: 'fast', ...PROFILE } }), {
      peers: [
        torPeer({ bfd: { name: 'fast', ...PROFILE } }),
        torPeer({ name: 'echo', sourceAddress: SECOND, bfd: { name: 'echoing', ...PROFILE, echoMode: true } }),
      ],
      routes: { tor4: [{ prefix: VIP_PREFIX }], echo: [{ prefix: VIP_PREFIX }] },
    });
    await worker.waitUp('tor4');
    await worker.waitUp('echo');
    await r.frr.waitBfd(node.v4, 'up');
    await worker.waitLine((l) => l.ev === 'bfd' && l.peer === 'tor4' && l.to === 'Up', { what: 'our BFD Up' });

    // Echo mode: a clear report in the log and in the peer's status; its BGP session runs without BFD.
    const invalid = await worker.waitLine((l) => l.event === 'bfd_profile_invalid', { what: 'echo mode reported' });
    assert.match(String(invalid.msg), /BFD profile echoing: echoMode is not supported.*runs without BFD/);
    worker.send({ op: 'status' });
    const status = await worker.waitLine((l) => l.ev === 'status', { what: 'status' });
    const echo = (status.sessions as Array<{ name: string; state: string; bfd?: { error?: string } }>).find((s) => s.name === 'echo');
    assert.equal(echo?.state, 'Established');
    assert.match(String(echo?.bfd?.error), /echoMode/);

    // Malformed packets at 3784: dropped and counted, the session stays Up on both sides.
    await r.tor.exec(process.execPath, ['-e', SENDER, node.v4]);
    await worker.waitLine((l) => l.event === 'bfd_packet_dropped' && l.reason === 'unknownSession', { what: 'unknown-session drop' });
    const drops = worker.lines().filter((l) => l.event === 'bfd_packet_dropped');
    t.diagnostic(`dropped: ${JSON.stringify(Object.fromEntries([...new Set(drops.map((d) => d.reason))].map((k) => [k, drops.filter((d) => d.reason === k).length])))}`);
    assert.ok(drops.length >= 10);
    assert.equal((await r.frr.bfdPeers()).find((p) => p.peer === node.v4)?.status, 'up');
    assert.equal(worker.events('bfd').filter((l) => l.from === 'Up').length, 0, 'no BFD flap');

    // FRR's BFD goes silent: we declare it down (detection time) and reset BGP; 'echo' is untouched.
    const silentAt = Date.now();
    await run('ip', ['netns', 'exec', r.tor.name, 'nft', '-f', '-'], {
      input: 'table inet bfdmute {\n chain out {\n  type filter hook output priority 0;\n  udp dport 3784 drop\n }\n}\n',
    });
    const down = await worker.waitLine((l) => l.ev === 'bfd' && l.from === 'Up' && Number(l.at) >= silentAt, { what: 'our BFD Down' });
    assert.equal(down.diag, 1, 'detection time expired');
    await worker.waitLine((l) => l.ev === 'down' && l.peer === 'tor4' && /BFD session down/.test(String(l.reason)), { what: 'BGP reset by BFD' });
    t.diagnostic(`silent BFD peer noticed after ${Number(down.at) - silentAt} ms`);

    await run('ip', ['netns', 'exec', r.tor.name, 'nft', 'delete', 'table', 'inet', 'bfdmute']);
    await waitFor(() => worker.events('bfd', 'tor4').filter((l) => l.to === 'Up').length >= 2, { what: 'BFD Up again', timeoutMs: 15_000 });
    await worker.waitUp('tor4', 2, { timeoutMs: 15_000 });
    await r.frr.waitKernelRoute(VIP_PREFIX, [node.v4, SECOND].sort(), { timeoutMs: 15_000 });
    assert.equal(worker.events('down', 'echo').length, 0, 'the echo-mode peer stayed up');
    assert.ok(worker.process.running, `speaker alive (router ${TOR.v4})`);
  });
});

// Bad input around BFD for the shipped `portside speaker`, configured through the API, with
// two BGPPeers: `tor` (the FRR ToR, the node's gateway) with a 300 ms × 3 BFDProfile, and
// `plain`, a second FRR router on the segment, without BFD. Each bad input gets a clear report, nothing crashes, the
// speaker process is the same one throughout, and `plain` stays up:
// - a BFDProfile asking for echo mode (which the native BFD does not run): the configuration
//   is refused on ConfigurationState naming BFDProfile, object and spec.echoMode, and the last
//   good configuration keeps serving (no session or BFD flap);
// - malformed packets at our BFD control port: dropped, counted by reason, no flap;
// - a BFD peer that goes silent (nftables drops FRR's BFD packets): our BFD declares it down
//   on the detection time and resets that BGP session; it comes back with the packets.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { run } from '../netns/index.ts';
import { waitFor } from '../wait.ts';
import { startFrr } from '../routers/index.ts';
import { lineTime, resilienceLab, speakerEvents, waitSpeakerLine, NODE_ASN, VIP_PREFIX } from './lab.ts';

const PROFILE = { receiveIntervalMs: 300, transmitIntervalMs: 300, detectMultiplier: 3 };
const PLAIN_ASN = 64514;

// Garbage, a truncated header, version 0, detect multiplier 0, and a well-formed packet for a session we do not have.
const SENDER = `
const s = require('node:dgram').createSocket('udp4');
const hex = ['deadbeef', '20c003', '00c0031800000001000000000007a1200007a12000000000', '20c0001800000001000000000007a1200007a12000000000', '20c0031800000001123456780007a1200007a12000000000'];
let n = 0;
const packets = Array.from({ length: 20 }, (_, i) => Buffer.from(hex[i % hex.length], 'hex'));
for (const p of packets) s.send(p, 3784, process.argv[1], () => { if (++n === packets.length) s.close(); });
`;

test('`portside speaker`: an echo-mode BFDProfile, malformed BFD packets, a silent BFD peer: reported, no crash, the other session stays up', async (t) => {
  const r = await resilienceLab(t, { nodes: 1, bfd: PROFILE, commands: ['nft'] });
  if (!r) return;
  const { c, frr } = r;
  await c.lab.dumpOnFailure(async () => {
    const node = r.nodes[0]!;
    const speaker = node.speaker!;
    // A second router: one BGPPeer per address and node (two for one address are refused, as in MetalLB).
    const plainV4 = c.addr(10);
    const plainFrr = await startFrr(c.lab, await c.host('plain', 10), {
      asn: PLAIN_ASN, routerId: plainV4, neighbors: [{ address: node.v4, remoteAs: NODE_ASN, timers: { keepaliveS: 3, holdS: 9 } }],
    });
    await c.apply('bgppeers', 'BGPPeer', 'plain', {
      myASN: NODE_ASN, peerASN: PLAIN_ASN, peerAddress: plainV4, connectTime: '1s', holdTime: '9s', keepaliveTime: '3s',
    });
    await plainFrr.waitBgpRoute(VIP_PREFIX, [node.v4], { timeoutMs: 30_000 });
    const plainDrops = async () => (await plainFrr.bgpNeighbors())[node.v4]?.connectionsDropped;
    const plainDropsBefore = await plainDrops();
    await waitSpeakerLine(node, (l) => l.event === 'bfd_session_state' && l.peer === r.torV4 && l.to === 'Up', 'our BFD Up with tor');
    const sessionDowns = () => speakerEvents(node, 'bgp_session_down');
    const bfdFlaps = () => speakerEvents(node, 'bfd_session_state').filter((l) => l.from === 'Up');

    // Echo mode: refused by name on ConfigurationState; the last good configuration keeps serving.
    await c.apply('bfdprofiles', 'BFDProfile', 'echoing', { receiveInterval: 300, transmitInterval: 300, detectMultiplier: 3, echoMode: true });
    const invalid = await waitFor(async () => {
      const s = await c.configState(node.name);
      return s?.result === 'Invalid' ? s : undefined;
    }, { what: `speaker-${node.name} Invalid on the echo-mode profile` });
    assert.match(invalid.errorSummary ?? '', /BFDProfile\/echoing spec\.echoMode: BFD echo mode is not supported by the native BFD/);
    await waitSpeakerLine(node, (l) => l.event === 'config_invalid' && l.stale === true, 'config_invalid, running on the last good configuration');
    await c.remove('bfdprofiles', 'echoing');
    await waitFor(async () => (await c.configState(node.name))?.result === 'Valid', { what: `speaker-${node.name} Valid again` });
    assert.deepEqual(await frr.kernelNextHops(VIP_PREFIX), [node.v4], 'the ToR kept the path');
    assert.deepEqual(await plainFrr.bgpNextHops(VIP_PREFIX), [node.v4], 'the second router kept the path');
    assert.deepEqual(sessionDowns(), [], 'no session dropped over the invalid profile');
    assert.deepEqual(bfdFlaps(), [], 'no BFD flap over the invalid profile');

    // Malformed packets at 3784: dropped and counted by reason, the session stays Up on both sides.
    await r.tor.exec(process.execPath, ['-e', SENDER, node.v4]);
    const want = ['truncated', 'badVersion', 'zeroDetectMult', 'unknownSession'];
    const dropped = () => speakerEvents(node, 'bfd_packet_dropped').filter((l) => l.from === r.torV4);
    await waitFor(() => want.every((k) => dropped().some((d) => d.reason === k)), { what: `drops for ${want.join(', ')}` });
    const drops = dropped();
    t.diagnostic(`dropped: ${JSON.stringify(Object.fromEntries([...new Set(drops.map((d) => d.reason))].map((k) => [k, drops.filter((d) => d.reason === k).length])))}`);
    assert.ok(drops.length >= 16, `${drops.length} drops logged`);
    const metrics = (await c.scrape(node, '/metrics')).body;
    for (const k of ['truncated', 'badVersion', 'zeroDetectMult']) {
      const m = new RegExp(`^portside_bfd_control_packet_dropped\\{reason="${k}"\\} (\\d+)`, 'm').exec(metrics);
      assert.ok(Number(m?.[1]) >= 4, `portside_bfd_control_packet_dropped{reason="${k}"}: ${m?.[1]}`);
    }
    assert.equal((await frr.bfdPeers()).find((p) => p.peer === node.v4)?.status, 'up');
    assert.deepEqual(bfdFlaps(), [], 'no BFD flap over malformed packets');

    // FRR's BFD goes silent: we declare it down (detection time) and reset BGP with tor; plain is untouched.
    const silentAt = Date.now();
    await run('ip', ['netns', 'exec', r.tor.name, 'nft', '-f', '-'], {
      input: 'table inet bfdmute {\n chain out {\n  type filter hook output priority 0;\n  udp dport 3784 drop\n }\n}\n',
    });
    const down = await waitSpeakerLine(node, (l) => l.event === 'bfd_session_state' && l.from === 'Up' && lineTime(l) >= silentAt, 'our BFD Down');
    assert.equal(down.diag, 1, 'detection time expired');
    await waitSpeakerLine(node, (l) => l.event === 'bgp_session_down' && l.peer === 'tor' && /BFD session down/.test(String(l.reason)), 'BGP with tor reset by BFD');
    t.diagnostic(`silent BFD peer noticed after ${lineTime(down) - silentAt} ms`);

    await run('ip', ['netns', 'exec', r.tor.name, 'nft', 'delete', 'table', 'inet', 'bfdmute']);
    await waitFor(() => speakerEvents(node, 'bfd_session_state', r.torV4).filter((l) => l.to === 'Up').length >= 2, { what: 'BFD Up again', timeoutMs: 30_000 });
    await waitFor(() => speakerEvents(node, 'bgp_session_established', 'tor').length >= 2, { what: 'BGP with tor Established again', timeoutMs: 30_000 });
    await frr.waitKernelRoute(VIP_PREFIX, [node.v4], { timeoutMs: 30_000 });
    assert.deepEqual(speakerEvents(node, 'bgp_session_down', 'plain'), [], 'the peer without BFD stayed up');
    assert.equal(await plainDrops(), plainDropsBefore, 'the second router counted no dropped session');
    assert.deepEqual(await plainFrr.bgpNextHops(VIP_PREFIX), [node.v4]);
    assert.ok(speaker.running && node.speaker === speaker, 'the same speaker process throughout');
    assert.equal((await c.configState(node.name))?.result, 'Valid');
  });
});

// The frr backend's FRR-only features end to end: one node running `portside speaker
// --bgp-backend frr` beside a sidecar FRR 8.4 and the shipped frr-image/reloader.sh, against
// the real apiserver and controller, with two ToRs (FRR 8.4):
// - a VRF peer (BGPPeer vrf: red): the session runs in VRF red, the only link toward its ToR
//   is in that VRF. This kernel has no VRF devices (CONFIG_NET_VRF unset, no module support),
//   so the sidecar's zebra runs FRR's netns VRF backend (`zebra -n`): VRF red is a network
//   namespace holding the link (see StartFrrOptions.vrfNetns). bgpd and the rendered
//   `router bgp ASN vrf red` are the same as with a VRF device. One difference: zebra then
//   shows `vrf red / netns PATH` in its running configuration, which the rendered config
//   (Portside knows VRF names, not namespaces) lacks; the shipped reloader keeps that binding
//   (frr-image/reloader.sh, netns_bindings), else frr-reload.py would unbind the VRF.
// - an unnumbered peer (BGPPeer interface: eth1, no address): IPv6 link-local, `neighbor eth1
//   interface` at both ends, a dual-stack Service: its IPv4 prefix with an IPv6 next hop
//   (RFC 5549) and its IPv6 prefix via the node's link-local address (only the unnumbered
//   session carries IPv6: the VRF peer's session is IPv4), and BFD through bfdd with a
//   BFDProfile in echo mode: the ToR sees the profile's timers, and when the node's link goes
//   silent the ToR drops both routes well before the hold time.
// BGPSessionState and ServiceBGPStatus read as for native peers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FrrBfdPeer, FrrRouter } from '../routers/index.ts';
import { startFrr } from '../routers/index.ts';
import { waitFor } from '../wait.ts';
import { frrSpeakerArgs, startReloader, startSidecarFrr } from './frr-sidecar.ts';
import { serviceWithEndpoints, startLabCluster } from './lab-cluster.ts';

const NODE_ASN = 64513;
const TOR_VRF_ASN = 64512;
const TOR_UNNUMBERED_ASN = 64514;
const POOL = '203.0.113.0/28';
const POOL6 = '2001:db8:5:16::/124';
// Hold 30 s: a route that leaves within a few seconds of the fault left through BFD.
const HOLD = { keepaliveS: 10, holdS: 30 };
const PROFILE = { receiveInterval: 100, transmitInterval: 100, detectMultiplier: 3, echoMode: true, echoInterval: 80 };

/** The ToR's BFD session over `ifname` (an unnumbered peer's is keyed by the node's link-local address). */
async function bfdOn(tor: FrrRouter, ifname: string, status: 'up' | 'down'): Promise<FrrBfdPeer | undefined> {
  return (await tor.bfdPeers()).find((p) => p.interface === ifname && p.status === status);
}

interface RouteJson { dst: string; via?: { family: string; host: string }; dev?: string; gateway?: string }

test('frr backend: a VRF peer and an unnumbered peer (RFC 5549, BFD echo profile) reach Established, carry a dual-stack Service (IPv6 over the unnumbered session), report status; BFD drops a silent link', async (t) => {
  const c = await startLabCluster(t, {
    nodes: 1,
    commands: ['vtysh', '/usr/lib/frr/bgpd', '/usr/lib/frr/bfdd', '/usr/lib/frr/frr-reload.py', 'inotifywait', 'python3', 'nft'],
    speakerEnv: { PORTSIDE_FRR_POLL_MS: '500' },
    speakerArgs: frrSpeakerArgs,
  });
  if (!c) return;
  await c.lab.dumpOnFailure(async () => {
    const node = c.nodes[0]!;
    // VRF red: a namespace holding the node's only link to its ToR.
    const red = await c.lab.namespace('red');
    const torVrfNs = await c.lab.namespace('torv', { forwarding: true });
    await c.lab.veth(red, torVrfNs, { a: { ifname: 'eth-red', addrs: ['198.51.100.1/30'] }, b: { ifname: 'eth0', addrs: ['198.51.100.2/30'] } });
    // Unnumbered: eth1 on the node, no address but its fe80::.
    const torUnNs = await c.lab.namespace('toru', { forwarding: true });
    await c.lab.veth(node.ns, torUnNs, { a: { ifname: 'eth1' }, b: { ifname: 'eth1' } });

    await startSidecarFrr(c.lab, node, { vrfNetns: { red: red.name } });
    startReloader(c.lab, node);
    const torVrf = await startFrr(c.lab, torVrfNs, {
      asn: TOR_VRF_ASN, routerId: '198.51.100.2', neighbors: [{ address: '198.51.100.1', remoteAs: NODE_ASN, timers: HOLD }],
    });
    const torUn = await startFrr(c.lab, torUnNs, {
      asn: TOR_UNNUMBERED_ASN, routerId: '198.51.100.6',
      bfdProfiles: [{ name: 'fast', receiveIntervalMs: 100, transmitIntervalMs: 100, detectMultiplier: 3 }],
      neighbors: [{ address: 'eth1', interface: true, remoteAs: 'external', timers: HOLD, bfdProfile: 'fast' }],
    });

    await c.apply('ipaddresspools', 'IPAddressPool', 'lab', { addresses: [POOL, POOL6] });
    await c.apply('bfdprofiles', 'BFDProfile', 'echo', PROFILE);
    await c.apply('bgppeers', 'BGPPeer', 'tor-vrf', {
      myASN: NODE_ASN, peerASN: TOR_VRF_ASN, peerAddress: '198.51.100.2', vrf: 'red', holdTime: '30s', keepaliveTime: '10s',
    });
    await c.apply('bgppeers', 'BGPPeer', 'tor-unnumbered', {
      myASN: NODE_ASN, peerASN: TOR_UNNUMBERED_ASN, interface: 'eth1', holdTime: '30s', keepaliveTime: '10s', bfdProfile: 'echo',
    });
    await c.apply('bgpadvertisements', 'BGPAdvertisement', 'lab', { ipAddressPools: ['lab'] });

    const upSince = Date.now();
    await torVrf.waitEstablished('198.51.100.1', { timeoutMs: 30_000 });
    await torUn.waitEstablished('eth1', { timeoutMs: 30_000 });
    t.diagnostic(`both sessions Established ${Date.now() - upSince} ms after the BGPPeers were applied`);

    await serviceWithEndpoints(c, 'e2e', 'web', c.nodes, { ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv4', 'IPv6'] });
    const ips = await c.cluster.waitForIPs('e2e', 'web', 2, 20_000);
    const vip = ips.find((ip) => !ip.includes(':')) ?? assert.fail(`no IPv4 VIP in ${ips.join()}`);
    const vip6 = ips.find((ip) => ip.includes(':')) ?? assert.fail(`no IPv6 VIP in ${ips.join()}`);
    const prefix = `${vip}/32`;
    const prefix6 = `${vip6}/128`;
    await torVrf.waitKernelRoute(prefix, ['198.51.100.1'], { timeoutMs: 20_000 });
    await torUn.waitKernelRoute(prefix, ['eth1'], { timeoutMs: 20_000 });
    // RFC 5549: an IPv4 route through the node's IPv6 link-local address.
    const [route] = await torUnNs.ipJson<RouteJson[]>(['-4', 'route', 'show', 'exact', prefix]);
    const nodeLinkLocal = await node.ns.linkLocal('eth1');
    assert.deepEqual(route?.via, { family: 'inet6', host: nodeLinkLocal }, `IPv4 over the unnumbered session via the node's fe80:: (${JSON.stringify(route)})`);
    t.diagnostic(`ToR (VRF peer): ${prefix} via 198.51.100.1; ToR (unnumbered): ${prefix} via inet6 ${nodeLinkLocal} dev eth1`);
    assert.deepEqual(await red.ipJson<RouteJson[]>(['-4', 'route', 'show', 'exact', prefix]), [], 'nothing installed in the VRF for the Service IP');
    // IPv6 over the same unnumbered session: the ToR's route goes through the node's fe80:: on eth1.
    await torUn.waitKernelRoute(prefix6, [nodeLinkLocal], { timeoutMs: 20_000 });
    const [route6] = await torUnNs.ipJson<RouteJson[]>(['-6', 'route', 'show', 'exact', prefix6]);
    assert.equal(route6?.dev, 'eth1', `IPv6 over the unnumbered link (${JSON.stringify(route6)})`);
    // The node's eth1 has no global address: FRR sends its link-local as the global next hop too.
    const bgp6 = await torUn.vtyshJson<{ paths?: Array<{ nexthops?: Array<{ ip?: string; scope?: string; used?: boolean }> }> } | null>(`show bgp ipv6 unicast ${prefix6} json`);
    const hops6 = bgp6?.paths?.flatMap((p) => p.nexthops ?? []) ?? [];
    t.diagnostic(`ToR (unnumbered): ${prefix6} via ${nodeLinkLocal} dev eth1; BGP next hops ${JSON.stringify(hops6)}`);
    assert.ok(hops6.some((h) => h.ip === nodeLinkLocal && h.scope === 'link-local' && h.used), `the ToR uses the node's link-local next hop: ${JSON.stringify(hops6)}`);
    assert.ok(hops6.every((h) => h.ip === nodeLinkLocal), `every next hop is the node's link-local address: ${JSON.stringify(hops6)}`);
    assert.deepEqual(await torVrfNs.ipJson<RouteJson[]>(['-6', 'route', 'show', 'exact', prefix6]), [], 'the VRF peer\'s IPv4 session carries no IPv6');

    // Status as for native peers, read from `show bgp vrf all neighbors json`.
    const sessions = await waitFor(async () => {
      const items = await c.list('bgpsessionstates');
      const byPeer = new Map(items.map((s) => [String(s.status?.peer), s.status]));
      const vrf = byPeer.get('tor-vrf');
      const un = byPeer.get('tor-unnumbered');
      return vrf?.bgpStatus === 'Established' && un?.bgpStatus === 'Established' && un.bfdStatus === 'Up' ? { vrf, un } : undefined;
    }, { what: 'BGPSessionState of tor-vrf and tor-unnumbered Established (BFD Up on the unnumbered one)', timeoutMs: 20_000 });
    assert.equal(sessions.vrf.peerAddress, '198.51.100.2');
    assert.equal(sessions.vrf.node, node.name);
    assert.equal(sessions.un.peerAddress, 'eth1', 'an unnumbered session is named by its interface');
    await waitFor(async () => {
      const items = (await c.list('servicebgpstatuses')).filter((s) => s.status?.serviceName === 'web');
      return items.length === 1 && JSON.stringify(items[0]?.status?.peers) === '["tor-unnumbered","tor-vrf"]';
    }, { what: 'ServiceBGPStatus of web on node1 listing tor-unnumbered and tor-vrf' });
    await waitFor(async () => (await c.configState(node.name))?.result === 'Valid', { what: 'node1 ConfigurationState Valid' });
    const metrics = (await c.scrape(node, '/metrics')).body;
    assert.match(metrics, /portside_bgp_session_up\{peer="tor-vrf"\} 1/);
    assert.match(metrics, /portside_bgp_session_up\{peer="tor-unnumbered"\} 1/);

    // BFD through the sidecar's bfdd: the ToR sees the BFDProfile's timers, echo included.
    const bfd = await waitFor(() => bfdOn(torUn, 'eth1', 'up'), { what: 'ToR: BFD session on eth1 up', timeoutMs: 20_000 });
    t.diagnostic(`ToR's BFD session: ${JSON.stringify(bfd)}`);
    assert.equal(bfd['remote-receive-interval'], PROFILE.receiveInterval);
    assert.equal(bfd['remote-transmit-interval'], PROFILE.transmitInterval);
    assert.equal(bfd['remote-detect-multiplier'], PROFILE.detectMultiplier);
    assert.equal(bfd['remote-echo-receive-interval'], PROFILE.echoInterval, 'the echo interval reaches the ToR');

    // The node's link goes silent (nothing in, nothing out; the link stays up): the ToR drops the route.
    const silencedAt = Date.now();
    await node.ns.exec('nft', ['-f', '-'], {
      input: [
        'table netdev portside_silence {',
        '  chain in { type filter hook ingress device "eth1" priority 0; policy drop; }',
        '}',
        'table inet portside_silence {',
        '  chain out { type filter hook output priority 0; oifname "eth1" drop; }',
        '}',
      ].join('\n'),
    });
    await torUn.waitKernelRoute(prefix, [], { timeoutMs: 10_000, intervalMs: 10 });
    const goneMs = Date.now() - silencedAt;
    await torUn.waitKernelRoute(prefix6, [], { timeoutMs: 10_000 });
    t.diagnostic(`frr mode, BFD 100 ms x 3 (echo profile): fault → route gone at the ToR in ${goneMs} ms (hold time ${HOLD.holdS} s)`);
    assert.ok(goneMs < HOLD.holdS * 1000 / 3, `the route left through BFD (${goneMs} ms), not the hold timer`);
    assert.ok(await bfdOn(torUn, 'eth1', 'down') ?? !(await bfdOn(torUn, 'eth1', 'up')), 'the ToR\'s BFD session is down');
    assert.deepEqual(await torVrf.kernelNextHops(prefix), ['198.51.100.1'], 'the VRF peer is untouched');

    // Heal: the session and the route come back.
    const healedAt = Date.now();
    await node.ns.exec('nft', ['delete', 'table', 'netdev', 'portside_silence']);
    await node.ns.exec('nft', ['delete', 'table', 'inet', 'portside_silence']);
    await torUn.waitKernelRoute(prefix, ['eth1'], { timeoutMs: 30_000 });
    await torUn.waitKernelRoute(prefix6, [nodeLinkLocal], { timeoutMs: 20_000 });
    t.diagnostic(`link healed: route back at the ToR in ${Date.now() - healedAt} ms`);

    // A deleted Service leaves both ToRs.
    await c.cluster.deleteService('e2e', 'web');
    await torVrf.waitKernelRoute(prefix, [], { timeoutMs: 20_000 });
    await torUn.waitKernelRoute(prefix, [], { timeoutMs: 20_000 });
    await torUn.waitKernelRoute(prefix6, [], { timeoutMs: 20_000 });
  });
});

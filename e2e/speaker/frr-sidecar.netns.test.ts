// The frr backend end to end: two nodes, each running `portside speaker --bgp-backend frr`
// beside a sidecar FRR 8.4 (started empty, as the FRR container is) and the shipped
// frr-image/reloader.sh, against the real apiserver and controller. The speaker renders the
// whole configuration; the reloader applies it with frr-reload.py. At an FRR ToR (eBGP) and
// an iBGP router: ECMP from both nodes, a Local Service from its endpoint's node only,
// communities / large communities / local-pref as configured per peer, an unrelated change (a
// Service, a second BGPPeer) resets no session, a deleted Service is withdrawn everywhere, a
// restarted FRR gets its configuration again, and a failing frr-reload.py is
// BGPBackendReady=False with FRR still serving the last good configuration.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { startFrr, type FrrRouter } from '../routers/index.ts';
import { waitFor } from '../wait.ts';
import { frrSpeakerArgs, startReloader, startSidecar, startSidecarFrr, type Sidecar } from './frr-sidecar.ts';
import { serviceWithEndpoints, startLabCluster, type LabCluster } from './lab-cluster.ts';

const TOR_ASN = 64512;
const NODE_ASN = 64513;
const POOL = '203.0.113.0/28';
const TIMERS = { keepaliveS: 3, holdS: 9 };

interface PathFacts { community?: { string?: string }; largeCommunity?: { string?: string }; locPrf?: number }

/** The attributes of `prefix`'s paths at a router (`show bgp ipv4 unicast P json`). */
async function paths(router: FrrRouter, prefix: string): Promise<PathFacts[]> {
  const shown = await router.vtyshJson<{ paths?: PathFacts[] } | null>(`show bgp ipv4 unicast ${prefix} json`);
  return shown?.paths ?? [];
}

interface SessionMark { at: number; marks: { state?: string; upMs?: number; established?: number; dropped?: number }[] }

/** Each node's session at `router`: state, uptime and FRR's counts of establishments and drops. */
async function sessionMarks(router: FrrRouter, c: LabCluster): Promise<SessionMark> {
  const n = await router.bgpNeighbors();
  const at = Date.now();
  return {
    at,
    marks: c.nodes.map((node) => {
      const s = n[node.v4] as { bgpState?: string; bgpTimerUpMsec?: number; connectionsEstablished?: number; connectionsDropped?: number } | undefined;
      return { state: s?.bgpState, upMs: s?.bgpTimerUpMsec, established: s?.connectionsEstablished, dropped: s?.connectionsDropped };
    }),
  };
}

/** No session was reset between the two readings: the same counts, and the uptime grew with the clock. */
function assertNoReset(before: SessionMark, after: SessionMark): void {
  const text = JSON.stringify({ before, after });
  before.marks.forEach((b, i) => {
    const a = after.marks[i]!;
    assert.equal(a.state, 'Established', text);
    assert.equal(typeof b.upMs, 'number', text);
    assert.equal(a.established, b.established, `no new establishment: ${text}`);
    assert.equal(a.dropped, b.dropped, `no drop: ${text}`);
    assert.ok((a.upMs ?? 0) >= (b.upMs ?? 0) + (after.at - before.at) - 2_000, `the uptime went on: ${text}`);
  });
}

async function backendCondition(c: LabCluster, node: string): Promise<{ status: string; message?: string } | undefined> {
  const s = await c.configState(node);
  return s?.conditions?.find((x) => x.type === 'BGPBackendReady') as { status: string; message?: string } | undefined;
}

test('frr backend: sidecar FRR configured by the speaker — ECMP, Local, attributes, no reset on unrelated changes, withdraw, FRR restart, failed reload', async (t) => {
  const c = await startLabCluster(t, {
    nodes: 2,
    commands: ['vtysh', '/usr/lib/frr/bgpd', '/usr/lib/frr/frr-reload.py', 'inotifywait', 'python3'],
    speakerEnv: { PORTSIDE_FRR_POLL_MS: '500' },
    speakerArgs: frrSpeakerArgs,
  });
  if (!c) return;
  await c.lab.dumpOnFailure(async () => {
    const sidecars: Sidecar[] = [];
    for (const n of c.nodes) sidecars.push(await startSidecar(c.lab, n));
    const tor = await startFrr(c.lab, await c.host('tor', 2), {
      asn: TOR_ASN, routerId: c.addr(2), maximumPaths: 8,
      neighbors: c.nodes.map((n) => ({ address: n.v4, remoteAs: NODE_ASN, timers: TIMERS })),
    });
    await c.apply('ipaddresspools', 'IPAddressPool', 'lab', { addresses: [POOL] });
    await c.apply('bgppeers', 'BGPPeer', 'tor', { myASN: NODE_ASN, peerASN: TOR_ASN, peerAddress: c.addr(2), holdTime: '9s', keepaliveTime: '3s' });
    await c.apply('bgpadvertisements', 'BGPAdvertisement', 'lab', { ipAddressPools: ['lab'], peers: ['tor'], communities: ['64512:100', 'large:64512:7:8'] });
    for (const n of c.nodes) await tor.waitEstablished(n.v4, { timeoutMs: 30_000 });
    const both = c.nodes.map((n) => n.v4);

    await serviceWithEndpoints(c, 'e2e', 'web', c.nodes);
    const [vip] = await c.cluster.waitForIPs('e2e', 'web', 1, 20_000);
    const prefix = `${vip}/32`;
    const t0 = Date.now();
    await tor.waitKernelRoute(prefix, both, { timeoutMs: 20_000 });
    t.diagnostic(`ToR: ${prefix} via ${both.join(', ')} ${Date.now() - t0} ms after the IP was assigned`);
    const atTor = await paths(tor, prefix);
    assert.equal(atTor.length, 2);
    for (const p of atTor) {
      assert.equal(p.community?.string, '64512:100', 'the community arrives at the ToR');
      assert.equal(p.largeCommunity?.string, '64512:7:8', 'the large community arrives at the ToR');
    }

    // Reports as in the other backends.
    await waitFor(async () => {
      const items = (await c.list('servicebgpstatuses')).filter((s) => s.status?.serviceName === 'web');
      return items.map((s) => `${String(s.status?.node)}:${JSON.stringify(s.status?.peers)}`).sort().join(',') === 'node1:["tor"],node2:["tor"]';
    }, { what: 'ServiceBGPStatus of web on both nodes listing peer tor' });
    await waitFor(async () => {
      const items = await c.list('bgpsessionstates');
      return items.length === 2 && items.every((s) => s.status?.bgpStatus === 'Established' && s.status.peerAddress === c.addr(2));
    }, { what: 'a BGPSessionState per node, Established (read from the sidecar FRR)' });
    for (const n of c.nodes) {
      await waitFor(async () => (await c.configState(n.name))?.result === 'Valid' && (await backendCondition(c, n.name)) === undefined, { what: `${n.name}: Valid, no backend problem` });
    }
    assert.match((await c.scrape(c.nodes[0]!, '/metrics')).body, /portside_bgp_session_up\{peer="tor"\} 1/);

    // Local: only the node with the endpoint announces.
    await serviceWithEndpoints(c, 'e2e', 'local', [c.nodes[0]!], { externalTrafficPolicy: 'Local' });
    const [localVip] = await c.cluster.waitForIPs('e2e', 'local', 1, 20_000);
    await tor.waitKernelRoute(`${localVip}/32`, [c.nodes[0]!.v4], { timeoutMs: 20_000 });

    // Unrelated changes — another Service, a second BGPPeer (iBGP, with local-pref) — reset no ToR session.
    const before = await sessionMarks(tor, c);
    const rr = await startFrr(c.lab, await c.host('rr', 12), {
      asn: NODE_ASN, routerId: c.addr(12), maximumPaths: 8,
      neighbors: c.nodes.map((n) => ({ address: n.v4, remoteAs: NODE_ASN, timers: TIMERS })),
    });
    await serviceWithEndpoints(c, 'e2e', 'more', c.nodes);
    const [moreVip] = await c.cluster.waitForIPs('e2e', 'more', 1, 20_000);
    await c.apply('bgppeers', 'BGPPeer', 'rr', { myASN: NODE_ASN, peerASN: NODE_ASN, peerAddress: c.addr(12), holdTime: '9s', keepaliveTime: '3s' });
    await c.apply('bgpadvertisements', 'BGPAdvertisement', 'rr-pref', { ipAddressPools: ['lab'], peers: ['rr'], localPref: 150, communities: ['64512:200', 'large:64512:9:9'] });
    await tor.waitKernelRoute(`${moreVip}/32`, both, { timeoutMs: 20_000 });
    for (const n of c.nodes) await rr.waitEstablished(n.v4, { timeoutMs: 30_000 });
    await rr.waitKernelRoute(prefix, both, { timeoutMs: 20_000 });
    const atRr = await waitFor(async () => {
      const ps = await paths(rr, prefix);
      return ps.length === 2 && ps.every((p) => p.locPrf === 150) ? ps : undefined;
    }, { what: 'the iBGP router sees local-pref 150 on both paths' });
    assert.ok(atRr.every((p) => p.community?.string === '64512:200' && p.largeCommunity?.string === '64512:9:9'), `each peer gets its own advertisement's attributes: ${JSON.stringify(atRr)}`);
    assert.ok((await paths(tor, prefix)).every((p) => p.community?.string === '64512:100'), 'the ToR keeps its own');
    assert.ok((await paths(tor, prefix)).every((p) => p.locPrf === undefined || p.locPrf === 100), 'no local-pref leaks to the eBGP ToR (FRR sends none)');
    assertNoReset(before, await sessionMarks(tor, c));
    t.diagnostic(`ToR sessions not reset across a new Service, a second BGPPeer and a new BGPAdvertisement (${Math.round((Date.now() - before.at) / 1000)} s)`);

    // A deleted Service is withdrawn everywhere.
    await c.cluster.deleteService('e2e', 'web');
    await tor.waitKernelRoute(prefix, [], { timeoutMs: 20_000 });
    await rr.waitKernelRoute(prefix, [], { timeoutMs: 20_000 });

    // node1's FRR dies and comes back empty: the speaker sees it lost its configuration and has it applied again.
    const node1 = c.nodes[0]!;
    await sidecars[0]!.frr.kill();
    await tor.waitKernelRoute(`${moreVip}/32`, [c.nodes[1]!.v4], { timeoutMs: 20_000 });
    const restartedAt = Date.now();
    sidecars[0]!.frr = await startSidecarFrr(c.lab, node1);
    await tor.waitKernelRoute(`${moreVip}/32`, both, { timeoutMs: 30_000 });
    await tor.waitKernelRoute(`${localVip}/32`, [node1.v4], { timeoutMs: 20_000 });
    t.diagnostic(`node1's FRR restarted empty: ECMP back ${Date.now() - restartedAt} ms after the start`);
    assert.ok(node1.speaker!.jsonLines<{ event?: string }>().some((e) => e.event === 'frr_config_lost'), 'the speaker noticed and re-applied');

    // A failing frr-reload.py on node2 (the real one, fed a line FRR refuses): BGPBackendReady=False, FRR keeps serving.
    const node2 = c.nodes[1]!;
    const broken = join(c.lab.dir, 'frr-reload-broken.py');
    await writeFile(broken, [
      'import runpy, sys',
      'conf = sys.argv[-1]',
      "with open(conf) as f: text = f.read()",
      "with open(conf + '.broken', 'w') as f: f.write(text.replace('\\nend\\n', '\\nthis is not an frr command\\nend\\n'))",
      "sys.argv[-1] = conf + '.broken'",
      "runpy.run_path('/usr/lib/frr/frr-reload.py', run_name='__main__')",
      '',
    ].join('\n'));
    await sidecars[1]!.reloader.stop();
    sidecars[1]!.reloader = startReloader(c.lab, node2, broken);
    await serviceWithEndpoints(c, 'e2e', 'after', c.nodes);
    const [afterVip] = await c.cluster.waitForIPs('e2e', 'after', 1, 20_000);
    const bad = await waitFor(async () => {
      const cond = await backendCondition(c, node2.name);
      return cond?.status === 'False' ? cond : undefined;
    }, { what: 'node2 reports the failed reload on ConfigurationState' });
    assert.match(bad.message ?? '', /frr-reload\.py failed for configuration generation \d+ \(exit 1\).*Unknown command.*this is not an frr command/);
    await tor.waitKernelRoute(`${afterVip}/32`, [node1.v4], { timeoutMs: 20_000 });
    assert.deepEqual(await tor.kernelNextHops(`${moreVip}/32`), both, 'node2\'s FRR still serves the last good configuration');
    assert.ok(node2.speaker!.running, 'the speaker did not crash');

    // The real frr-reload.py again: applied at the reloader's start, the condition clears.
    await sidecars[1]!.reloader.stop();
    sidecars[1]!.reloader = startReloader(c.lab, node2);
    await tor.waitKernelRoute(`${afterVip}/32`, both, { timeoutMs: 20_000 });
    await waitFor(async () => (await backendCondition(c, node2.name)) === undefined, { what: 'node2: BGPBackendReady problem cleared' });
  });
});

// Graceful restart (RFC 4724) of the shipped `portside speaker`, configured through the API
// (real kube-apiserver, `portside controller`, BGPPeer enableGracefulRestart) against an FRR
// ToR in helper mode (and BFD), with the only node's VIP served to a client behind the ToR.
// - SIGTERM on a Ready, uncordoned node: a restart exit — no NOTIFICATION, FRR keeps the
//   route (stale) and its kernel route, the client loses nothing; the next speaker opens with
//   the Restart State bit (its restart marker), re-announces, End-of-RIB, the path is fresh;
//   a route it no longer announces leaves FRR at its End-of-RIB.
// - SIGKILL (a crash): the same, the R bit from the marker refreshed while the session was up.
// - SIGTERM on a cordoned node (a drain), or with graceful restart off: withdraw and Cease.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { mergePatch } from '../k8s/patch.ts';
import type { LabProcess } from '../netns/index.ts';
import { startFrr, type FrrRouter } from '../routers/index.ts';
import { serviceWithEndpoints, startLabCluster, type ClusterNode, type LabCluster } from '../speaker/lab-cluster.ts';
import { restartMarkerFile, type RestartMarker } from '../../speaker/runtime/restart-marker.ts';
import { waitFor } from '../wait.ts';
import { clientResults, moreAnswers, pathFrom, prefixPaths, serveVip, startClient, VIP, VIP_PREFIX } from './lab.ts';

const TOR_ASN = 64512;
const NODE_ASN = 64513;

interface LogLine {
  event?: string;
  msg?: string;
  [key: string]: unknown;
}

/** `show bgp neighbors json` → gracefulRestartInfo (FRR 8.4). */
interface GrInfo {
  remoteGrMode?: string;
  rBit?: boolean;
  ipv4Unicast?: { fBit?: boolean; endOfRibStatus?: { endOfRibRecv?: boolean } };
  [key: string]: unknown;
}

async function grInfo(frr: FrrRouter, node: ClusterNode): Promise<GrInfo | undefined> {
  const nbr = (await frr.bgpNeighbors())[node.v4];
  return nbr?.bgpState === 'Established' ? (nbr.gracefulRestartInfo as GrInfo | undefined) : undefined;
}

/** The speaker log of the node is shared by every start: lines from `from` on are the current process's. */
const linesSince = (p: LabProcess, from: number): LogLine[] => p.jsonLines<LogLine>().slice(from);
const events = (lines: readonly LogLine[], event: string): LogLine[] => lines.filter((l) => l.event === event);

function marker(c: LabCluster, node: ClusterNode): Partial<RestartMarker> | undefined {
  const file = join(c.stateDir(node), restartMarkerFile(node.name));
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<RestartMarker>) : undefined;
}

test('graceful restart of `portside speaker`: FRR keeps forwarding on stale routes through SIGTERM and SIGKILL; a drain or GR off withdraws', async (t) => {
  const c = await startLabCluster(t, {
    nodes: 1,
    commands: ['vtysh', '/usr/lib/frr/bgpd'],
    router: { gateway: true, behind: { name: 'client', v4: '203.0.113.0/28' } },
    vips: [VIP_PREFIX],
    setup: serveVip,
  });
  if (!c) return;
  await c.lab.dumpOnFailure(async () => {
    const router = c.router;
    if (!router?.behind) throw new Error('the lab has no router with a client behind it');
    const frr = await startFrr(c.lab, router.ns, {
      asn: TOR_ASN,
      routerId: router.v4,
      maximumPaths: 8,
      // FRR asks for a slower interval than our BFDProfile's (600 against 300 ms): it times a silent
      // speaker out after 3 × 600 ms, longer than our profile alone would tell a restarted speaker.
      bfdProfiles: [{ name: 'lab', receiveIntervalMs: 600, transmitIntervalMs: 300, detectMultiplier: 3 }],
      listenRanges: [{ range: c.subnet, peerGroup: 'NODES', remoteAs: NODE_ASN, timers: { keepaliveS: 3, holdS: 9 }, bfdProfile: 'lab' }],
    });
    const bgpdLog = () => readFileSync(frr.processes.bgpd!.logFile, 'utf8');
    const ceasesFrom = (node: ClusterNode) => bgpdLog().match(new RegExp(`NOTIFICATION: received from neighbor ${node.v4.replaceAll('.', '\\.')}.* 6/2`, 'g'))?.length ?? 0;
    const [node] = c.nodes;
    assert.ok(node?.speaker);
    const speaker = () => node.speaker!;
    const peerSpec = { myASN: NODE_ASN, peerASN: TOR_ASN, peerAddress: router.v4, connectTime: '1s', holdTime: '9s' };
    await c.apply('ipaddresspools', 'IPAddressPool', 'gr', { addresses: [`${VIP}/32`] });
    await c.apply('bfdprofiles', 'BFDProfile', 'lab', { receiveInterval: 300, transmitInterval: 300, detectMultiplier: 3 });
    await c.apply('bgppeers', 'BGPPeer', 'tor', { ...peerSpec, enableGracefulRestart: true, bfdProfile: 'lab' });
    await c.apply('bgpadvertisements', 'BGPAdvertisement', 'gr', { ipAddressPools: ['gr'] });
    await serviceWithEndpoints(c, 'e2e', 'web', c.nodes);
    assert.deepEqual(await c.cluster.waitForIPs('e2e', 'web', 1, 20_000), [VIP]);
    await frr.waitKernelRoute(VIP_PREFIX, [node.v4], { timeoutMs: 20_000 });
    const first = await waitFor(() => grInfo(frr, node), { what: 'FRR GR info of the session' });
    assert.equal(first.remoteGrMode, 'Restart', 'FRR sees our graceful-restart capability');
    assert.equal(first.rBit, false, 'a first start is no restart');
    const bgpStatus = async () => (await c.list('servicebgpstatuses')).find((s) => s.status?.node === node.name);
    await waitFor(bgpStatus, { what: 'the ServiceBGPStatus of node1' });

    const client = startClient(router.behind.ns, 90_000);
    await moreAnswers(client, 5, 'before any restart');

    /** Stops the speaker with `stop`, checks FRR kept the route through the gap, starts it again; returns the new process's lines. */
    const restartThrough = async (label: string, stop: (p: LabProcess) => Promise<void>, planned: boolean): Promise<LogLine[]> => {
      const old = speaker();
      const ceases = ceasesFrom(node);
      await stop(old);
      assert.ok(!old.running, `${label}: the old speaker is gone`);
      const stale = await waitFor(async () => pathFrom(await prefixPaths(frr), node.v4)?.stale === true || undefined, { what: `${label}: FRR marks the path stale`, timeoutMs: 5_000 });
      assert.ok(stale);
      assert.deepEqual(await frr.kernelNextHops(VIP_PREFIX), [node.v4], `${label}: the kernel route stays while the speaker is down`);
      // Our BFD (control-plane dependent, C bit clear) stops too: its Down does not end FRR's helper mode (RFC 5882 §4.3.2).
      await waitFor(async () => (await frr.bfdPeers()).find((b) => b.peer === node.v4)?.status === 'down', { what: `${label}: FRR's BFD session goes down`, timeoutMs: 5_000 });
      await moreAnswers(client, 20, `${label}: while the speaker is down`);
      assert.equal(pathFrom(await prefixPaths(frr), node.v4)?.stale, true, `${label}: still stale a second after BFD went down`);
      assert.equal(ceasesFrom(node), ceases, `${label}: FRR received no Cease`);
      assert.equal(marker(c, node)?.planned, planned, `${label}: the restart marker says planned=${planned}`);
      assert.deepEqual((await bgpStatus())?.status?.peers, ['tor'], `${label}: the ServiceBGPStatus stays while FRR holds the route`);

      const from = old.jsonLines().length;
      const began = Date.now();
      await c.startSpeaker(node);
      const gr = await waitFor(() => grInfo(frr, node), { what: `${label}: session Established again`, timeoutMs: 20_000 });
      assert.equal(gr.rBit, true, `${label}: the new OPEN carries the Restart State bit`);
      assert.equal(gr.ipv4Unicast?.fBit, true, `${label}: forwarding state preserved (F bit)`);
      await waitFor(async () => (await grInfo(frr, node))?.ipv4Unicast?.endOfRibStatus?.endOfRibRecv === true, { what: `${label}: FRR received our End-of-RIB` });
      await waitFor(async () => {
        const p = pathFrom(await prefixPaths(frr), node.v4);
        return p && !p.stale;
      }, { what: `${label}: FRR refreshes the path`, timeoutMs: 10_000 });
      const lines = linesSince(speaker(), from);
      const [start] = events(lines, 'bgp_graceful_restart_start');
      assert.equal(start?.planned, planned, `${label}: the new speaker logs its restart`);
      await waitFor(() => events(linesSince(speaker(), from), 'bgp_graceful_restart_done').length === 1, { what: `${label}: End-of-RIB logged` });
      t.diagnostic(`${label}: FRR kept ${VIP} stale while the speaker was down; refreshed ${Date.now() - began} ms after the new speaker started`);
      await moreAnswers(client, 5, `${label}: after the restart`);
      return lines;
    };

    const afterTerm = await restartThrough('SIGTERM', async (p) => {
      const from = p.jsonLines().length;
      const exit = await p.stop({ timeoutMs: 5_000 });
      assert.equal(exit.code, 0, 'the speaker exits 0 after SIGTERM');
      const lines = linesSince(p, from);
      const [exitLine] = events(lines, 'bgp_graceful_restart_exit');
      assert.deepEqual(exitLine?.peers, ['tor'], 'a restart exit for peer tor');
      assert.equal(events(lines, 'bgp_graceful_restart_stop').length, 1, 'tor closed for a restart');
      assert.deepEqual([...events(lines, 'bgp_notification_sent'), ...events(lines, 'bgp_graceful_shutdown')], [], 'no NOTIFICATION, no GRACEFUL_SHUTDOWN');
    }, true);
    assert.ok(events(afterTerm, 'bgp_session_established').some((l) => l.restartState === true));
    await waitFor(async () => /portside_bgp_graceful_restart_pending\{peer="tor"\} 0/.test((await c.scrape(node, '/metrics')).body), { what: 'restart-pending gauge back to 0' });

    // The running speaker refreshes its marker once Established (planned=false): a crash is a restart too.
    await waitFor(() => marker(c, node)?.planned === false, { what: 'the running speaker refreshes the restart marker' });
    // Once its BFD session is Up, the marker also says when FRR would time it out (a crash counts
    // too): 4,000 ms at Up (the slow rate until the Poll Sequence ends), 2,400 at the next refresh.
    await waitFor(() => (marker(c, node)?.bfdDownAfterMs?.tor ?? 0) >= 2_400, { what: 'the marker has the BFD time', timeoutMs: 5_000 });
    await restartThrough('SIGKILL', async (p) => void (await p.kill()), false);

    await client.stop();
    const results = clientResults(client);
    const failed = results.filter((x) => !x.ok);
    t.diagnostic(`client through two restarts: ${results.length} requests, ${failed.length} failed`);
    assert.ok(results.length > 60);
    assert.deepEqual(failed, [], 'no request lost');

    // End-of-RIB cleans up: what the new speaker does not re-announce leaves FRR at once, not after the restart time.
    {
      const old = speaker();
      // BFD Up first: only an Up session ends in a late BFD Down (and only then does the marker say when).
      await waitFor(() => marker(c, node)?.bfdDownAfterMs?.tor !== undefined, { what: 'the speaker\'s BFD session is up (the marker says so)', timeoutMs: 10_000 });
      await old.stop({ timeoutMs: 5_000 });
      const stoppedAt = Date.now();
      // What the session had agreed with FRR: 3 × 600 ms, and one interval more (more while the
      // Poll Sequence to the fast rate after Up still runs: 3 × 1 s + 1 s).
      const bfdTime = marker(c, node)?.bfdDownAfterMs?.tor;
      assert.ok(bfdTime === 2_400 || bfdTime === 4_000, `the marker keeps when FRR has surely timed out our BFD: ${bfdTime}`);
      await waitFor(async () => pathFrom(await prefixPaths(frr), node.v4)?.stale === true || undefined, { what: 'FRR marks the path stale' });
      await c.remove('bgpadvertisements', 'gr');
      const from = old.jsonLines().length;
      const began = Date.now();
      await c.startSpeaker(node);
      assert.equal((await waitFor(() => grInfo(frr, node), { what: 'session Established again', timeoutMs: 20_000 })).rBit, true);
      // Back before FRR's BFD has timed the old speaker out (1.8 s), unlike restartThrough: the new
      // speaker holds its session until then (by the marker: its profile says 1.2 s), so no late
      // BFD Down ends it (FRR: Cease 6/10).
      const [hold] = events(linesSince(speaker(), from), 'bgp_graceful_restart_bfd_hold');
      t.diagnostic(`restarted ${began - stoppedAt} ms after the old speaker stopped; session held ${hold?.holdMs ?? 0} ms for FRR's BFD`);
      await waitFor(async () => (await prefixPaths(frr)).length === 0, { what: 'FRR drops the stale path the new speaker did not re-announce', timeoutMs: 10_000 });
      const gone = Date.now() - began;
      t.diagnostic(`advertisement removed during the restart: FRR dropped the stale path ${gone} ms after the new speaker started (restart time 120 s)`);
      const done = await waitFor(() => events(linesSince(speaker(), from), 'bgp_graceful_restart_done')[0], { what: 'End-of-RIB logged' });
      assert.equal(done.announced, 0, 'End-of-RIB with no route');
      assert.deepEqual(events(linesSince(speaker(), from), 'bgp_notification_received'), [], 'FRR ended no session of the new speaker');
      assert.deepEqual(events(linesSince(speaker(), from), 'bgp_session_established').map((l) => l.restartState), [true], 'one session, opened with R');
      await c.apply('bgpadvertisements', 'BGPAdvertisement', 'gr', { ipAddressPools: ['gr'] });
      await frr.waitKernelRoute(VIP_PREFIX, [node.v4], { timeoutMs: 20_000 });
    }

    /** SIGTERM, then the route must be withdrawn (not stale) with a Cease; the speaker says why. */
    const withdrawnOn = async (label: string, reason: RegExp): Promise<void> => {
      const p = speaker();
      const from = p.jsonLines().length;
      const ceases = ceasesFrom(node);
      assert.equal((await p.stop({ timeoutMs: 5_000 })).code, 0);
      const lines = linesSince(p, from);
      assert.match(String(events(lines, 'bgp_shutdown_withdraw')[0]?.reason), reason, `${label}: the speaker says why it withdraws`);
      assert.deepEqual(events(lines, 'bgp_graceful_restart_exit'), []);
      await waitFor(async () => (await prefixPaths(frr)).length === 0, { what: `${label}: FRR has no path for ${VIP} (withdrawn, not stale)`, timeoutMs: 5_000 });
      // zebra updates the kernel just after bgpd drops the path: wait for it too.
      await waitFor(async () => (await frr.kernelNextHops(VIP_PREFIX)).length === 0, { what: `${label}: no kernel route for ${VIP}`, timeoutMs: 5_000 });
      await waitFor(() => ceasesFrom(node) === ceases + 1, { what: `${label}: FRR logs our Cease 6/2`, timeoutMs: 3_000 });
      assert.equal(marker(c, node), undefined, `${label}: no restart marker`);
      await waitFor(async () => (await bgpStatus()) === undefined, { what: `${label}: the ServiceBGPStatus is removed` });
    };
    const startFresh = async (label: string): Promise<GrInfo> => {
      const from = speaker().jsonLines().length;
      await c.startSpeaker(node);
      await frr.waitKernelRoute(VIP_PREFIX, [node.v4], { timeoutMs: 20_000 });
      const gr = await waitFor(() => grInfo(frr, node), { what: `${label}: session Established` });
      assert.deepEqual(events(linesSince(speaker(), from), 'bgp_graceful_restart_start'), [], `${label}: a fresh start`);
      return gr;
    };

    // A drain: cordoned first (GRACEFUL_SHUTDOWN on the path), then SIGTERM withdraws. The
    // session's BFD must be Up first: a SIGTERM while it is still coming up lets FRR's bfdd
    // end the session (Cease/BFD Down) before our own Cease, which this stage counts.
    await waitFor(async () => (await frr.bfdPeers()).find((b) => b.peer === node.v4)?.status === 'up', { what: 'FRR\'s BFD session with the restarted speaker is up', timeoutMs: 10_000 });
    await c.cluster.core.patchNode({ name: node.name, body: { spec: { unschedulable: true } } }, mergePatch());
    await waitFor(async () => /graceful-shutdown/.test(pathFrom(await prefixPaths(frr), node.v4)?.community?.string ?? ''), { what: 'GRACEFUL_SHUTDOWN on the cordoned node\'s path' });
    await withdrawnOn('cordoned', /cordoned/);
    await c.cluster.core.patchNode({ name: node.name, body: { spec: { unschedulable: null } } }, mergePatch());
    assert.equal((await startFresh('after the drain')).rBit, false, 'after a withdrawal the next start is no restart');

    // Graceful restart off (enableGracefulRestart is immutable: a new BGPPeer): SIGTERM withdraws.
    await c.remove('bgppeers', 'tor');
    await waitFor(async () => (await prefixPaths(frr)).length === 0, { what: 'peer tor removed: route withdrawn' });
    await c.apply('bgppeers', 'BGPPeer', 'tor-plain', peerSpec);
    await frr.waitKernelRoute(VIP_PREFIX, [node.v4], { timeoutMs: 20_000 });
    const plain = await waitFor(() => grInfo(frr, node), { what: 'session with tor-plain' });
    assert.notEqual(plain.remoteGrMode, 'Restart', 'no graceful-restart capability without enableGracefulRestart');
    await withdrawnOn('graceful restart off', /enableGracefulRestart/);
  });
});

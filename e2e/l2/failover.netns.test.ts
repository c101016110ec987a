// Layer-2 failover end to end with every real part: kube-apiserver + etcd, `portside controller`
// and three `portside speaker` processes configured through the API (a pool of one IPv4 and one
// IPv6 address, an L2Advertisement, a RequireDualStack Service with an endpoint on every node).
// Each node holds both VIPs on lo and answers HTTP with its name; a client on the same bridge
// requests each VIP every 50 ms, and a probe asks for both with ARP and NS every 10–50 ms and
// counts the MACs that answer each one. Faults, each from a steady lab: the owner's speaker
// killed (while a stranger forges heartbeats in its name), its switch port down, its own
// interface down and up again. Each time: served again by the next owner within a generous
// bound, one MAC per probe throughout, and the client's neighbor entry moved.
// Heartbeats lost over UDP while frames cross (no death, one answer): faults.netns.test.ts (2).
// Needs root (network namespaces, raw sockets) and the control-plane binaries.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { isNativeAvailable, nativeAddonPath } from '../../native/index.ts';
import type { ClusterNode, LabCluster } from '../speaker/lab-cluster.ts';
import { waitFor } from '../wait.ts';
import { dualStackService, probeClient } from './dual-stack-vips.ts';
import { assertOneMacPerProbe, rankedOwner, startServingCluster, vipUrl, waitAnsweredBy } from './serving-cluster.ts';
import { announcementsSeen, describeAnswers, firstServed, neighborMac, startAnnouncementWatch, startAnswerProbe, startClient, startForger, type AnswerProbe } from './segment-client.ts';
import { l2History, speakerL2View } from './speaker-view.ts';
import type { LabProcess, Netns } from '../netns/index.ts';

const V6_PREFIX = '2001:db8:15::';
const VIP4 = '203.0.113.100';
const VIP6 = `${V6_PREFIX}100`;
/** Generous: the failover bound is 375 ms (liveness timeout + one heartbeat); the machine is shared. */
const BOUND_MS = 3_000;

interface Failover {
  c: LabCluster;
  client: Netns;
  probe: AnswerProbe;
  http: LabProcess;
}

/** Every speaker running holds all the others alive and announces exactly what it ranks first for; the probe sees those owners. */
async function steady(l: Failover, what: string): Promise<{ owner4: ClusterNode; owner6: ClusterNode }> {
  const running = l.c.nodes.filter((n) => n.speaker?.running);
  const owner4 = rankedOwner(VIP4, running);
  const owner6 = rankedOwner(VIP6, running);
  const want = (n: ClusterNode) => [...(n === owner4 ? [VIP4] : []), ...(n === owner6 ? [VIP6] : [])].sort().join();
  let last = '';
  await waitFor(async () => {
    const views = await Promise.all(running.map((n) => speakerL2View(l.c, n)));
    last = views.map((v, i) => `${running[i]?.name}: alive ${v.alive}, announces ${v.announced.join() || 'nothing'}`).join('; ');
    return views.every((v, i) => v.alive === running.length - 1 && v.announced.join() === want(running[i]!));
  }, { timeoutMs: 30_000, intervalMs: 200, what: `${what}: every speaker sees the others and announces its own` }).catch((err: unknown) => {
    throw new Error(`${(err as Error).message}; last: ${last}\n${l2History(l.c.nodes, Date.now() - 30_000)}`, { cause: err });
  });
  await waitAnsweredBy(l.c, l.probe, { v4: owner4, v6: owner6 }, `${what}: ${VIP4} answered by ${owner4.name}, ${VIP6} by ${owner6.name}`);
  return { owner4, owner6 };
}

/** Waits until `url` is served by `by` after `faultAt`; asserts within BOUND_MS and prints the time. */
async function servedWithin(t: TestContext, l: Failover, ip: string, by: ClusterNode, faultAt: number, fault: string): Promise<void> {
  const served = await waitFor(() => firstServed(l.http, vipUrl(ip), by.name, faultAt), { what: `${ip} served by ${by.name}`, timeoutMs: 15_000 })
    .catch((err: unknown) => assert.fail(`${(err as Error).message}\n${l2History(l.c.nodes, faultAt)}`));
  const ms = served.end - faultAt;
  t.diagnostic(`${fault}: ${ip} served by ${by.name} after ${ms} ms`);
  console.log(`failover (${fault}) ${ip}: ${ms} ms`);
  assert.ok(ms < BOUND_MS, `${fault}: ${ip} served by ${by.name} only after ${ms} ms\n${l2History(l.c.nodes, faultAt)}`);
}

test('L2 failover with real speakers: one answer per VIP, served again fast after the owner dies or goes silent', async (t) => {
  assert.ok(isNativeAvailable(), `native addon missing at ${nativeAddonPath}: run native/build.sh`);
  const c = await startServingCluster(t, V6_PREFIX, [VIP4, VIP6]);
  if (!c) return;
  await c.lab.dumpOnFailure(async () => {
    const { client, sources4, sources6 } = await probeClient(c, V6_PREFIX, { v4: 24, v6: 16 });
    await client.ip(['route', 'add', '203.0.113.0/24', 'dev', 'eth0']); // the IPv4 VIP is on-link: ARP for it
    const probe = startAnswerProbe(client, { vip4: VIP4, vip6: VIP6, sources4, sources6 });
    const watch = startAnnouncementWatch(client);

    // The speakers run but announce nothing yet: no kernel may answer for the VIPs on its lo.
    const quietFrom = Date.now();
    const quiet = await waitFor(() => { const s = probe.stats(quietFrom); return s.v4.probes >= 20 && s.v6.probes >= 20 ? s : undefined; }, { timeoutMs: 15_000, what: '20 probes per family' });
    assert.deepEqual([quiet.v4.unanswered, quiet.v6.unanswered], [quiet.v4.probes, quiet.v6.probes], `kernels answer ARP/NDP for a VIP on lo: ${describeAnswers(quiet)}`);

    const { vip4, vip6 } = await dualStackService(c, V6_PREFIX, { addresses: [`${VIP4}/32`, `${VIP6}/128`], spec: { ports: [{ port: 8080, protocol: 'TCP' }] } });
    assert.deepEqual([vip4, vip6], [VIP4, VIP6], 'the controller assigned the pool\'s two addresses');
    const http = startClient(client, [vipUrl(VIP4), vipUrl(VIP6)]);
    const l: Failover = { c, client, probe, http };

    const first = await steady(l, 'configured');
    t.diagnostic(`owners: ${VIP4} → ${first.owner4.name} (${first.owner4.mac}), ${VIP6} → ${first.owner6.name} (${first.owner6.mac})`);
    const configuredAt = Date.now();
    await waitFor(() => firstServed(http, vipUrl(VIP4), first.owner4.name, configuredAt) && firstServed(http, vipUrl(VIP6), first.owner6.name, configuredAt), {
      what: 'client served by the owners', timeoutMs: 10_000,
    });
    assert.equal(await neighborMac(client, VIP4), first.owner4.mac, `client resolves ${VIP4} to ${first.owner4.name}`);
    assert.equal(await neighborMac(client, VIP6), first.owner6.mac, `client resolves ${VIP6} to ${first.owner6.name}`);
    assertOneMacPerProbe(t, c, probe, 'configured', quietFrom);

    await t.test('owner process killed (with forged heartbeats in its name): served by the next owner', async () => {
      const { owner4: victim, owner6 } = await steady(l, 'before the kill');
      const survivors = c.nodes.filter((n) => n !== victim);
      const next4 = rankedOwner(VIP4, survivors);
      // A stranger keeps sending heartbeats in the victim's name with a key nobody holds: none may keep it alive.
      const forger = startForger(client, victim.name, c.nodes.map((n) => n.v4));
      try {
        const forged = (v: Awaited<ReturnType<typeof speakerL2View>>) => v.dropped['bad-signature'] ?? 0;
        await waitFor(async () => (await Promise.all(survivors.map((n) => speakerL2View(c, n)))).every((v) => forged(v) > 0), { what: 'forged heartbeats dropped for their signature', timeoutMs: 10_000 });
        const faultAt = Date.now();
        await victim.speaker!.kill();
        await servedWithin(t, l, VIP4, next4, faultAt, 'process killed');
        if (owner6 === victim) await servedWithin(t, l, VIP6, rankedOwner(VIP6, survivors), faultAt, 'process killed');
        await waitFor(async () => (await neighborMac(client, VIP4)) === next4.mac, { what: `client's ARP entry moved to ${next4.name}`, timeoutMs: 5_000 });
        await waitAnsweredBy(c, probe, { v4: next4 }, `${VIP4} answered by ${next4.name} alone`);
        assertOneMacPerProbe(t, c, probe, 'process killed', faultAt);
      } finally {
        await forger.stop();
      }
      const startedAt = Date.now();
      await c.startSpeaker(victim);
      await steady(l, `${victim.name} started again`);
      assertOneMacPerProbe(t, c, probe, 'killed speaker started again', startedAt);
    });

    await t.test('owner switch port down: served by the next owner', async () => {
      const { owner4, owner6: victim } = await steady(l, 'before the port goes down');
      const others = c.nodes.filter((n) => n !== victim);
      const next6 = rankedOwner(VIP6, others);
      const faultAt = Date.now();
      await victim.link.setDown();
      try {
        await servedWithin(t, l, VIP6, next6, faultAt, 'switch port down');
        if (owner4 === victim) await servedWithin(t, l, VIP4, rankedOwner(VIP4, others), faultAt, 'switch port down');
        await waitFor(async () => (await neighborMac(client, VIP6)) === next6.mac, { what: `client's NDP entry moved to ${next6.name}`, timeoutMs: 5_000 });
        await waitAnsweredBy(c, probe, { v4: rankedOwner(VIP4, others), v6: next6 }, 'one answer per VIP among the others');
        assertOneMacPerProbe(t, c, probe, 'switch port down', faultAt);
      } finally {
        await victim.link.setUp();
      }
      await steady(l, `${victim.name}'s port up again`);
      assertOneMacPerProbe(t, c, probe, 'switch port up again', faultAt);
    });

    await t.test('owner interface down inside the node: it stops announcing, the next owner serves, it comes back cleanly', async () => {
      const { owner4, owner6: victim } = await steady(l, 'before the interface goes down');
      const others = c.nodes.filter((n) => n !== victim);
      const next6 = rankedOwner(VIP6, others);
      const faultAt = Date.now();
      await victim.ns.linkUp('eth0', false);
      let upAt = 0;
      try {
        await servedWithin(t, l, VIP6, next6, faultAt, 'node interface down');
        if (owner4 === victim) await servedWithin(t, l, VIP4, rankedOwner(VIP4, others), faultAt, 'node interface down');
        // The node itself saw its link go down and gave everything up.
        await waitFor(async () => (await speakerL2View(c, victim)).announced.length === 0, { what: `${victim.name} stops announcing`, timeoutMs: 5_000 });
        const linkDown = victim.speaker!.jsonLines<{ event?: string; time?: string; links?: unknown }>()
          .some((m) => m.event === 'l2_links_changed' && new Date(m.time ?? 0).getTime() >= faultAt && JSON.stringify(m.links).includes('"up":false'));
        assert.ok(linkDown, `${victim.name} logged its link down (l2_links_changed)`);
        assert.equal(await neighborMac(client, VIP6), next6.mac, `client resolves ${VIP6} to ${next6.name}`);
        assertOneMacPerProbe(t, c, probe, 'node interface down', faultAt);
      } finally {
        upAt = Date.now();
        await victim.ns.linkUp('eth0', true);
      }
      // Back up: held down until it hears its peers, then it takes its IPs back; never two answers.
      await waitFor(() => firstServed(http, vipUrl(VIP6), victim.name, upAt), { what: `${victim.name} serves ${VIP6} again`, timeoutMs: 15_000 })
        .catch((err: unknown) => assert.fail(`${(err as Error).message}\n${l2History(c.nodes, upAt)}`));
      await steady(l, `${victim.name}'s interface up again`);
      const back = probe.stats(upAt);
      t.diagnostic(`interface back up: ${describeAnswers(back)}`);
      assertOneMacPerProbe(t, c, probe, 'node interface up again', upAt);
      // Its first announcement of VIP6 after the link came back (it answers nothing before it) followed a peer heard alive again.
      const announced = announcementsSeen(watch, VIP6, upAt).find((a) => a.mac === victim.mac);
      const heard = victim.speaker!.jsonLines<{ event?: string; time?: string }>().find((m) => m.event === 'liveness_alive' && new Date(m.time ?? 0).getTime() >= upAt);
      assert.ok(announced, `${victim.name} announced ${VIP6} again (unsolicited NA)`);
      assert.ok(heard && new Date(heard.time ?? 0).getTime() <= announced.t,
        `${victim.name} announced ${VIP6} (at ${new Date(announced.t).toISOString()}) only after hearing a peer alive again (at ${heard?.time})\n${l2History(c.nodes, upAt)}`);
    });
  });
});

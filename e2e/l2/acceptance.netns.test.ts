// Layer-2 acceptance with every real part: kube-apiserver + etcd, `portside controller` and three
// `portside speaker` processes configured through the API, a client on the same bridge. Services
// sharing an IP (one allow-shared-ip key, different candidate sets) are answered by one node,
// also after its owner dies; with externalTrafficPolicy: Local the owner follows the endpoint
// (the test moves the EndpointSlice) and announces at once; garbage frames, ARP for IPs nobody
// owns and bad heartbeats are counted on the speakers' /metrics and change nothing. Owners are
// read from the speakers' /metrics and ServiceL2Status, answers from a probe that asks with ARP
// and NS every 10–50 ms. Needs root (network namespaces, raw sockets) and the control-plane binaries.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { DiscoveryV1Api } from '@kubernetes/client-node';
import { isNativeAvailable, nativeAddonPath } from '../../native/index.ts';
import { ArpOperation, encodeArpFrame } from '../../speaker/l2/arp.ts';
import { mergePatch } from '../k8s/patch.ts';
import { serviceWithEndpoints, type ClusterNode, type LabCluster } from '../speaker/lab-cluster.ts';
import { waitFor } from '../wait.ts';
import { probeClient } from './dual-stack-vips.ts';
import { assertOneMacPerProbe, livenessKeyHex, rankedOwner, startServingCluster, vipUrl, waitAnsweredBy } from './serving-cluster.ts';
import { announcementsSeen, describeAnswers, firstServed, neighborMac, sendBadHeartbeats, sendFrames, startAnnouncementWatch, startAnswerProbe, startClient, type AnswerProbe } from './segment-client.ts';
import { l2History, speakerL2View, type SpeakerL2View } from './speaker-view.ts';

const V6_PREFIX = '2001:db8:16::';
/** Shared by svc-a and svc-b. */
const VIP4 = '203.0.113.100';
/** The Local-policy Service's, dual-stack with VIP6. */
const VIP4_LOCAL = '203.0.113.101';
const VIP6 = `${V6_PREFIX}100`;
const NAMESPACE = 'e2e';
const SHARING = { 'portside.dev/allow-shared-ip': 'shared', 'portside.dev/loadBalancerIPs': VIP4 };

/** Running speakers whose /metrics say they announce `ip`. */
async function announcing(c: LabCluster, ip: string): Promise<string[]> {
  const running = c.nodes.filter((n) => n.speaker?.running);
  const views = await Promise.all(running.map((n) => speakerL2View(c, n)));
  return running.filter((_, i) => views[i]?.announced.includes(ip)).map((n) => n.name);
}

/** The node each ServiceL2Status names, by Service name (for those asked). */
async function l2StatusNodes(c: LabCluster, services: readonly string[]): Promise<Record<string, string[]>> {
  const items = await c.list('servicel2statuses');
  return Object.fromEntries(services.map((s) => [s, items.filter((i) => i.status?.serviceName === s && i.status?.serviceNamespace === NAMESPACE).map((i) => String(i.status?.node)).sort()]));
}

const sum = (x: Record<string, number>, keys: (k: string) => boolean) => Object.entries(x).filter(([k]) => keys(k)).reduce((n, [, v]) => n + v, 0);

test('L2 acceptance with real speakers: shared IP on one node, Local policy follows the endpoint, bad input ignored', async (t) => {
  assert.ok(isNativeAvailable(), `native addon missing at ${nativeAddonPath}: run native/build.sh`);
  const c = await startServingCluster(t, V6_PREFIX, [VIP4, VIP4_LOCAL, VIP6]);
  if (!c) return;
  await c.lab.dumpOnFailure(async () => {
    const { nodes } = c;
    const { client, sources4, sources6 } = await probeClient(c, V6_PREFIX, { v4: 24, v6: 16 });
    await client.ip(['route', 'add', '203.0.113.0/24', 'dev', 'eth0']); // the IPv4 VIPs are on-link: ARP for them

    // Shared IP: svc-a (Cluster) may use any node, svc-b (Local, same sharing key and pods) only
    // the two nodes with its endpoints, which svc-a's own favourite is not — so "per Service"
    // and "per IP" owners differ.
    const aAlone = rankedOwner(VIP4, nodes);
    const bNodes = nodes.filter((n) => n !== aAlone);
    const sharedOwner = rankedOwner(VIP4, bNodes);
    // Local: the endpoint sits on a node that would not own VIP6 by rank alone, then moves to the other such node.
    const byRank6 = rankedOwner(VIP6, nodes);
    const [localFirst, localNext] = nodes.filter((n) => n !== byRank6) as [ClusterNode, ClusterNode];
    t.diagnostic(`${VIP4}: ${aAlone.name} alone would own it, shared → ${sharedOwner.name}; Local endpoint ${localFirst.name} → ${localNext.name}`);

    await c.apply('ipaddresspools', 'IPAddressPool', 'lab', { addresses: [`${VIP4}/32`, `${VIP4_LOCAL}/32`, `${VIP6}/128`] });
    await c.apply('l2advertisements', 'L2Advertisement', 'lab', { ipAddressPools: ['lab'] });
    const shared = { selector: { app: 'shared' }, ipFamilies: ['IPv4'] };
    await serviceWithEndpoints(c, NAMESPACE, 'svc-a', bNodes, { ...shared, ports: [{ port: 8080, protocol: 'TCP' }] }, SHARING);
    await serviceWithEndpoints(c, NAMESPACE, 'svc-b', bNodes, { ...shared, ports: [{ port: 8081, protocol: 'TCP' }], externalTrafficPolicy: 'Local' }, SHARING);
    await serviceWithEndpoints(c, NAMESPACE, 'svc-l', [localFirst], {
      selector: { app: 'local' }, ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv4', 'IPv6'], ports: [{ port: 8080, protocol: 'TCP' }], externalTrafficPolicy: 'Local',
    }, { 'portside.dev/loadBalancerIPs': `${VIP4_LOCAL},${VIP6}` });
    for (const [name, want] of [['svc-a', [VIP4]], ['svc-b', [VIP4]], ['svc-l', [VIP4_LOCAL, VIP6]]] as const) {
      assert.deepEqual((await c.cluster.waitForIPs(NAMESPACE, name, want.length, 20_000)).sort(), [...want].sort(), `${name}'s IPs`);
    }

    let probe: AnswerProbe = startAnswerProbe(client, { vip4: VIP4, vip6: VIP6, sources4, sources6 });
    const watch = startAnnouncementWatch(client);
    const http = startClient(client, [vipUrl(VIP4), vipUrl(VIP4_LOCAL), vipUrl(VIP6)]);
    const start = Date.now();

    await t.test('two Services on one IP are answered by one node: the best of their common candidates', async () => {
      assert.notEqual(sharedOwner, aAlone);
      await waitFor(async () => (await announcing(c, VIP4)).join() === sharedOwner.name, { what: `only ${sharedOwner.name} announces ${VIP4}`, timeoutMs: 30_000 })
        .catch(async (err: unknown) => assert.fail(`${(err as Error).message}: ${(await announcing(c, VIP4)).join()}\n${l2History(nodes)}`));
      await waitFor(async () => JSON.stringify(await l2StatusNodes(c, ['svc-a', 'svc-b'])) === JSON.stringify({ 'svc-a': [sharedOwner.name], 'svc-b': [sharedOwner.name] }), {
        what: `ServiceL2Status of svc-a and svc-b name ${sharedOwner.name} alone`, timeoutMs: 15_000,
      }).catch(async (err: unknown) => assert.fail(`${(err as Error).message}: ${JSON.stringify(await l2StatusNodes(c, ['svc-a', 'svc-b']))}`));
      await waitAnsweredBy(c, probe, { v4: sharedOwner }, `${VIP4} answered by ${sharedOwner.name} alone`);
      await waitFor(() => firstServed(http, vipUrl(VIP4), sharedOwner.name, start), { what: `${VIP4} served by ${sharedOwner.name}`, timeoutMs: 10_000 });
      assertOneMacPerProbe(t, c, probe, 'shared IP', start);
    });

    await t.test('externalTrafficPolicy: Local — the owner moves with the endpoint, announced at once', async () => {
      await waitAnsweredBy(c, probe, { v6: localFirst }, `${VIP6} answered by ${localFirst.name} alone`);
      await waitFor(() => firstServed(http, vipUrl(VIP4_LOCAL), localFirst.name, start) && firstServed(http, vipUrl(VIP6), localFirst.name, start), {
        what: `Local VIPs served by ${localFirst.name}`, timeoutMs: 10_000,
      });
      assert.equal(await neighborMac(client, VIP4_LOCAL), localFirst.mac);
      assert.equal(await neighborMac(client, VIP6), localFirst.mac);

      const movedAt = Date.now();
      await c.plane.kubeconfig.makeApiClient(DiscoveryV1Api).patchNamespacedEndpointSlice({
        namespace: NAMESPACE, name: 'svc-l-e2e',
        body: { endpoints: [{ addresses: ['10.244.9.10'], nodeName: localNext.name, conditions: { ready: true } }] },
      }, mergePatch());
      await waitFor(() => firstServed(http, vipUrl(VIP4_LOCAL), localNext.name, movedAt) && firstServed(http, vipUrl(VIP6), localNext.name, movedAt), {
        what: `Local VIPs served by ${localNext.name}`, timeoutMs: 10_000,
      }).catch((err: unknown) => assert.fail(`${(err as Error).message}\n${l2History(nodes, movedAt)}`));
      assert.ok(announcementsSeen(watch, VIP4_LOCAL, movedAt).some((a) => a.mac === localNext.mac), 'gratuitous ARP from the new owner');
      assert.ok(announcementsSeen(watch, VIP6, movedAt).some((a) => a.mac === localNext.mac), 'unsolicited NA from the new owner');
      await waitFor(async () => (await neighborMac(client, VIP4_LOCAL)) === localNext.mac, { what: 'client ARP entry moved', timeoutMs: 5_000 });
      await waitFor(async () => (await neighborMac(client, VIP6)) === localNext.mac, { what: 'client NDP entry moved', timeoutMs: 5_000 });
      assert.deepEqual(await announcing(c, VIP4_LOCAL), [localNext.name]);
      assert.deepEqual(await announcing(c, VIP6), [localNext.name]);
      await waitAnsweredBy(c, probe, { v4: sharedOwner, v6: localNext }, `${VIP6} answered by ${localNext.name} alone, ${VIP4} still by ${sharedOwner.name}`);
      assertOneMacPerProbe(t, c, probe, 'endpoint moved', movedAt);
    });

    await t.test('garbage frames, ARP for IPs nobody owns, bad heartbeats: counted, ignored, nothing crashes', async () => {
      // The probe's own requests are ARP/NS for IPs most nodes do not own: stop it, so the counters move by our frames.
      await probe.process.stop();
      const before = await Promise.all(nodes.map((n) => speakerL2View(c, n)));
      const from = Date.now();
      const clientMac = await client.mac('eth0');
      const bcast = 'ffffffffffff';
      const src = clientMac.replaceAll(':', '');
      const unowned = ['203.0.113.200', '203.0.113.201', '203.0.113.250'];
      const frames = [
        ...Array.from({ length: 20 }, () => `${bcast}${src}0806${randomBytes(Math.floor(Math.random() * 60)).toString('hex')}`),
        ...Array.from({ length: 10 }, () => `${bcast}${src}86dd${randomBytes(40 + Math.floor(Math.random() * 40)).toString('hex')}`),
        ...Array.from({ length: 10 }, () => randomBytes(14 + Math.floor(Math.random() * 100)).toString('hex')),
        // Well-formed ARP requests for addresses nobody announces.
        ...unowned.map((targetIp) =>
          encodeArpFrame('ff:ff:ff:ff:ff:ff', clientMac, { operation: ArpOperation.Request, senderMac: clientMac, senderIp: c.addr(2), targetMac: '00:00:00:00:00:00', targetIp }).toString('hex'),
        ),
      ];
      await sendFrames(client, frames);
      await sendBadHeartbeats(client, nodes[0]!.name, { key: await livenessKeyHex(c), targets: nodes.map((n) => n.v4) });
      const delta = (after: SpeakerL2View, i: number) => {
        const b = before[i]!;
        const diff = (x: Record<string, number>, y: Record<string, number>) => Object.fromEntries(Object.entries(x).map(([k, v]) => [k, v - (y[k] ?? 0)]).filter(([, v]) => v !== 0));
        return { ignored: diff(after.ignored, b.ignored), dropped: diff(after.dropped, b.dropped) };
      };
      let last: ReturnType<typeof delta>[] = [];
      await waitFor(async () => {
        last = (await Promise.all(nodes.map((n) => speakerL2View(c, n)))).map(delta);
        return last.every((d) => (d.dropped['bad-signature'] ?? 0) > 0 && (d.dropped['unknown-node'] ?? 0) > 0 && (d.ignored['not-owned'] ?? 0) >= unowned.length);
      }, { what: 'bad input counted on every node', timeoutMs: 10_000 }).catch((err: unknown) => assert.fail(`${(err as Error).message}: ${JSON.stringify(last)}`));
      for (const [i, d] of last.entries()) {
        const name = nodes[i]!.name;
        t.diagnostic(`${name}: ${JSON.stringify(d)}`);
        assert.ok(sum(d.ignored, (k) => k.startsWith('arp-')) > 0, `${name}: undecodable ARP counted ${JSON.stringify(d.ignored)}`);
        assert.ok((d.dropped['wrong-source'] ?? 0) + (d.dropped['unknown-node'] ?? 0) >= 3, `${name}: signed heartbeats from the wrong place dropped: ${JSON.stringify(d.dropped)}`);
        assert.ok(sum(d.dropped, (k) => ['truncated', 'malformed', 'bad-version'].includes(k)) > 0, `${name}: garbage datagrams dropped: ${JSON.stringify(d.dropped)}`);
      }
      // Bad input cannot kill a peer; a starved host can (a false death), so report those, not fail.
      const deaths = l2History(nodes, from).split('\n').filter((l) => l.includes('"liveness_dead"'));
      if (deaths.length > 0) t.diagnostic(`deaths meanwhile (a starved host?):\n${deaths.join('\n')}`);
      assert.ok(nodes.every((n) => n.speaker?.running), 'every speaker still runs');
      // Nothing changed hands: everyone still sees everyone, and announces what it announced.
      await waitFor(async () => {
        const now = await Promise.all(nodes.map((n) => speakerL2View(c, n)));
        return now.every((v, i) => v.alive === 2 && v.announced.join() === before[i]?.announced.join());
      }, { what: 'same owners and live sets as before', timeoutMs: 10_000 });
      probe = startAnswerProbe(client, { vip4: VIP4, vip6: VIP6, sources4, sources6 });
      await waitAnsweredBy(c, probe, { v4: sharedOwner, v6: localNext }, 'the same one answer per VIP after the bad input');
    });

    await t.test('the shared IP stays on one node when its owner dies: never the per-Service favourite', async () => {
      const faultAt = Date.now();
      await sharedOwner.speaker!.kill();
      const survivor = rankedOwner(VIP4, bNodes.filter((n) => n !== sharedOwner));
      await waitFor(() => firstServed(http, vipUrl(VIP4), survivor.name, faultAt), { what: `${VIP4} served by ${survivor.name}`, timeoutMs: 10_000 })
        .catch((err: unknown) => assert.fail(`${(err as Error).message}\n${l2History(nodes, faultAt)}`));
      await waitAnsweredBy(c, probe, { v4: survivor }, `${VIP4} answered by ${survivor.name} alone`);
      await waitFor(async () => (await announcing(c, VIP4)).join() === survivor.name, { what: `only ${survivor.name} announces ${VIP4}`, timeoutMs: 10_000 });
      await waitFor(async () => (await l2StatusNodes(c, ['svc-a', 'svc-b']))['svc-a']?.includes(survivor.name), { what: `svc-a's ServiceL2Status names ${survivor.name}`, timeoutMs: 15_000 });
      assertOneMacPerProbe(t, c, probe, 'shared owner died', faultAt);
      const s = probe.stats(faultAt);
      assert.equal(s.v4.byMac[aAlone.mac] ?? 0, 0, `${aAlone.name} (svc-a's favourite, no endpoint for svc-b) never answers ${VIP4}: ${describeAnswers(s)}`);
    });
  });
});

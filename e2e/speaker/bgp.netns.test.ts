// End to end over BGP with every real part: kube-apiserver + etcd, `portside controller`,
// three `portside speaker` processes in node namespaces, and an FRR ToR with dynamic
// neighbors and ECMP. A Service gets an IP from the controller, FRR learns it from every
// node with communities, statuses and ConfigurationState are written; an invalid config
// keeps the route; deleting the Service withdraws it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startFrr } from '../routers/index.ts';
import { waitFor } from '../wait.ts';
import { mergePatch } from '../k8s/patch.ts';
import { serviceWithEndpoints, startLabCluster } from './lab-cluster.ts';

const TOR_ASN = 64512;
const NODE_ASN = 64513;

interface FrrPath {
  community?: { string: string };
  largeCommunity?: { string: string };
  nexthops?: { ip: string }[];
}

test('BGP end to end: controller assigns, three speakers announce to FRR with ECMP and communities', async (t) => {
  const began = Date.now();
  const c = await startLabCluster(t, { nodes: 3, commands: ['vtysh', '/usr/lib/frr/bgpd'] });
  if (!c) return;
  await c.lab.dumpOnFailure(async () => {
    const torIp = c.addr(2);
    const tor = await c.host('tor', 2);
    const frr = await startFrr(c.lab, tor, {
      asn: TOR_ASN,
      routerId: torIp,
      maximumPaths: 8,
      listenRanges: [{ range: c.subnet, peerGroup: 'NODES', remoteAs: NODE_ASN, timers: { keepaliveS: 3, holdS: 9 } }],
    });
    await c.apply('ipaddresspools', 'IPAddressPool', 'lab', { addresses: ['203.0.113.0/28'] });
    await c.apply('bgppeers', 'BGPPeer', 'tor', { myASN: NODE_ASN, peerASN: TOR_ASN, peerAddress: torIp, connectTime: '1s', holdTime: '9s' });
    await c.apply('bgpadvertisements', 'BGPAdvertisement', 'lab', {
      ipAddressPools: ['lab'], communities: ['64513:100', 'large:64513:1:2'],
    });
    await serviceWithEndpoints(c, 'e2e', 'web', c.nodes);
    const [vip] = await c.cluster.waitForIPs('e2e', 'web', 1, 20_000);
    if (!vip?.startsWith('203.0.113.')) assert.fail(`controller assigned ${vip}, not an IP of the pool`);
    const prefix = `${vip}/32`;

    const t0 = Date.now();
    const hops = await frr.waitKernelRoute(prefix, c.nodes.map((n) => n.v4), { timeoutMs: 20_000 });
    t.diagnostic(`FRR kernel route ${prefix} via ${hops.join(', ')} ${Date.now() - t0} ms after the IP was assigned`);
    const path = await waitFor(async () => {
      const r = await frr.vtyshJson<{ paths?: FrrPath[] }>(`show bgp ipv4 unicast ${prefix} json`);
      return r.paths?.length === 3 ? r.paths[0] : undefined;
    }, { what: `FRR holds ${prefix} from three speakers` });
    assert.equal(path.community?.string, '64513:100');
    assert.equal(path.largeCommunity?.string, '64513:1:2');

    const bgpStatuses = await waitFor(async () => {
      const items = (await c.list('servicebgpstatuses')).filter((s) => s.status?.serviceName === 'web');
      return items.length === 3 && items.every((s) => JSON.stringify(s.status?.peers) === '["tor"]') ? items : undefined;
    }, { what: 'a ServiceBGPStatus per node listing peer tor' });
    assert.deepEqual(bgpStatuses.map((s) => s.status?.node).sort(), ['node1', 'node2', 'node3']);
    for (const s of bgpStatuses) {
      assert.equal(s.metadata.labels?.['portside.dev/service-namespace'], 'e2e');
      assert.equal(s.metadata.labels?.['portside.dev/service-name'], 'web');
    }
    for (const n of c.nodes) assert.equal((await c.configState(n.name))?.result, 'Valid', `speaker-${n.name} Valid`);
    await c.cluster.waitForEvent('e2e', 'web', 'nodeAssigned');
    assert.equal((await c.scrape(c.nodes[0]!, '/readyz')).status, 200);
    const metrics = (await c.scrape(c.nodes[0]!, '/metrics')).body;
    assert.match(metrics, new RegExp(`portside_speaker_announced\\{service="e2e/web",protocol="bgp",node="node1",ip="${vip.replaceAll('.', '\\.')}"\\} 1`));
    assert.match(metrics, /portside_bgp_session_up\{peer="tor"\} 1/);

    // An invalid change is reported and the last good configuration keeps serving.
    // (A peer name that matches nothing is only a warning, as in MetalLB; an undefined community alias is an error.)
    await c.apply('bgpadvertisements', 'BGPAdvertisement', 'broken', { ipAddressPools: ['lab'], communities: ['no-such-alias'] });
    const invalid = await waitFor(async () => {
      const s = await c.configState('node1');
      return s?.result === 'Invalid' ? s : undefined;
    }, { what: 'speaker-node1 Invalid' });
    assert.match(invalid.errorSummary ?? '', /no-such-alias/);
    assert.deepEqual(await tor.nextHops(prefix), c.nodes.map((n) => n.v4).sort(), 'FRR keeps the route');
    await c.remove('bgpadvertisements', 'broken');
    await waitFor(async () => (await c.configState('node1'))?.result === 'Valid', { what: 'speaker-node1 Valid again' });

    // Cordoning a node: its path carries GRACEFUL_SHUTDOWN (65535:0).
    await c.cluster.core.patchNode({ name: 'node1', body: { spec: { unschedulable: true } } }, mergePatch());
    await waitFor(async () => {
      const r = await frr.vtyshJson<{ paths?: FrrPath[] }>(`show bgp ipv4 unicast ${prefix} json`);
      return r.paths?.some((p) => p.nexthops?.[0]?.ip === c.nodes[0]!.v4 && /graceful-shutdown|gshut|65535:0/.test(p.community?.string ?? ''));
    }, { what: 'node1 path with GRACEFUL_SHUTDOWN' });

    // FRR stops using the gshut path for ECMP; uncordoning brings it back.
    await frr.waitKernelRoute(prefix, [c.nodes[1]!.v4, c.nodes[2]!.v4].sort(), { timeoutMs: 5_000 });
    await c.cluster.core.patchNode({ name: 'node1', body: { spec: { unschedulable: null } } }, mergePatch());
    await frr.waitKernelRoute(prefix, c.nodes.map((n) => n.v4), { timeoutMs: 5_000 });

    // SIGTERM on node3's speaker: GRACEFUL_SHUTDOWN, then it withdraws before it exits.
    const s0 = Date.now();
    const exit = await c.nodes[2]!.speaker!.stop({ timeoutMs: 5_000 });
    t.diagnostic(`node3 speaker exited ${Date.now() - s0} ms after SIGTERM (grace 200 ms)`);
    assert.equal(exit.code, 0, 'speaker exits 0 after SIGTERM');
    const after = await frr.waitKernelRoute(prefix, [c.nodes[0]!.v4, c.nodes[1]!.v4].sort(), { timeoutMs: 5_000 });
    assert.equal(after.length, 2);
    await waitFor(async () => (await c.list('servicebgpstatuses')).every((s) => s.status?.node !== 'node3'), { what: 'node3 removes its ServiceBGPStatus' });

    // Deleting the Service withdraws the prefix everywhere and removes the statuses.
    const d0 = Date.now();
    await c.cluster.deleteService('e2e', 'web');
    await waitFor(async () => (await tor.nextHops(prefix)).length === 0, { timeoutMs: 10_000, what: `FRR withdraws ${prefix}` });
    t.diagnostic(`withdrawn at FRR ${Date.now() - d0} ms after the Service was deleted`);
    await waitFor(async () => (await c.list('servicebgpstatuses')).length === 0, { what: 'ServiceBGPStatus objects deleted' });
    t.diagnostic(`whole test ${Date.now() - began} ms`);
  });
});

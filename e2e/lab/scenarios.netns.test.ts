// The lab end to end, one bring-up for every scenario (real kube-apiserver + etcd,
// `portside controller`, three `portside speaker`s, FRR ToR, clients on both sides):
// BGP ECMP, externalTrafficPolicy Local, a pool and a Service added under traffic, a
// controller restart, a speaker restart (graceful restart), and L2 failover.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { waitFor } from '../wait.ts';
import { POOLS, SERVICES } from './plan.ts';
import { labOrSkip, nodeName, waitRouteVia, waitSessions } from './testing.ts';

const ALL = ['node-1', 'node-2', 'node-3'];

test('lab scenarios: ECMP, Local policy, new pool under traffic, restarts, L2 failover', async (t) => {
  const lab = await labOrSkip(t);
  if (!lab) return;
  const { objects, net } = lab;
  // A subtest that dumps the lab (namespaces, FRR, process logs) when it fails.
  const check = (name: string, body: (st: TestContext) => Promise<void>) => t.test(name, (st) => lab.lab.dumpOnFailure(() => body(st)));
  const [bgpVip = ''] = await objects.serviceIps(SERVICES.bgp.namespace, SERVICES.bgp.name);

  {
    await check('BGP ECMP spreads client-out requests over every node with endpoints', async (t) => {
      const r = await lab.probe(net.clientOut, bgpVip, 30);
      t.diagnostic(`30 requests to ${bgpVip}: ${JSON.stringify(r.byNode)}`);
      assert.equal(r.failed, 0, r.errors.join('; '));
      assert.deepEqual(Object.keys(r.byNode).sort(), ALL);
    });

    await check('externalTrafficPolicy Local: only nodes with a local endpoint are next hops', async (t) => {
      await objects.createService({ namespace: 'demo', name: 'web-local', pool: POOLS.bgp.name, nodes: ['node-1', 'node-3'], externalTrafficPolicy: 'Local' });
      const [vip = ''] = await objects.waitServiceIps('demo', 'web-local');
      await waitRouteVia(lab, vip, ['node-1', 'node-3']);
      const r = await lab.probe(net.clientOut, vip, 30);
      assert.equal(r.failed, 0, r.errors.join('; '));
      assert.deepEqual(Object.keys(r.byNode).sort(), ['node-1', 'node-3']);
      await objects.setEndpoints({ namespace: 'demo', name: 'web-local' }, ['node-2']);
      const began = Date.now();
      await waitRouteVia(lab, vip, ['node-2']);
      t.diagnostic(`endpoints moved to node-2: FRR next hops followed in ${Date.now() - began} ms`);
      assert.deepEqual(Object.keys((await lab.probe(net.clientOut, vip, 10)).byNode), ['node-2']);
    });

    await check('a new pool and Service added while traffic flows: no request lost', async (t) => {
      const traffic = lab.probe(net.clientOut, bgpVip, 80, 50, 1_000);
      await objects.apply('ipaddresspools', 'IPAddressPool', POOLS.extra.name, { addresses: [...POOLS.extra.addresses], autoAssign: false });
      await objects.apply('bgpadvertisements', 'BGPAdvertisement', 'bgp', { ipAddressPools: [POOLS.bgp.name, POOLS.extra.name] });
      await objects.createService({ namespace: 'demo', name: 'web-new', pool: POOLS.extra.name, nodes: ALL });
      const [vip = ''] = await objects.waitServiceIps('demo', 'web-new');
      assert.match(vip, /^203\.0\.113\.(16\d|17\d)$/, `${vip} is from ${POOLS.extra.addresses[0]}`);
      await waitRouteVia(lab, vip, ALL);
      const fresh = await lab.probe(net.clientOut, vip, 12);
      assert.equal(fresh.failed, 0, fresh.errors.join('; '));
      const old = await traffic;
      t.diagnostic(`${old.ok} requests to ${bgpVip} meanwhile; new ${vip} answered by ${JSON.stringify(fresh.byNode)}`);
      assert.equal(old.failed, 0, old.errors.join('; '));
    });

    await check('a controller restart changes no IP', async (t) => {
      const services = [['demo', 'web-bgp'], ['demo', 'web-l2'], ['demo', 'web-local'], ['demo', 'web-new']] as const;
      const before = await Promise.all(services.map(([ns, name]) => objects.serviceIps(ns, name)));
      await lab.controller.stop({ timeoutMs: 5_000 });
      const began = Date.now();
      lab.startController();
      await objects.createService({ namespace: 'demo', name: 'web-after', pool: POOLS.bgp.name, nodes: ALL });
      const [vip = ''] = await objects.waitServiceIps('demo', 'web-after');
      t.diagnostic(`restarted controller assigned ${vip} after ${Date.now() - began} ms`);
      const after = await Promise.all(services.map(([ns, name]) => objects.serviceIps(ns, name)));
      assert.deepEqual(after, before);
      assert.ok(!before.flat().includes(vip), `${vip} is not a duplicate`);
    });

    await check('a speaker restart with graceful restart loses no request', async (t) => {
      const traffic = lab.probe(net.clientOut, bgpVip, 250, 40, 1_000);
      const speaker = lab.speakers.get('node-2');
      assert.ok(speaker);
      await speaker.kill();
      const killedAt = Date.now();
      // Graceful restart: FRR keeps node-2's path (stale) while its speaker is away.
      const stale = await waitFor(async () => {
        const peer = (await net.frr.bgpNeighbors())['198.51.100.12'];
        return peer && peer.bgpState !== 'Established' ? peer : undefined;
      }, { timeoutMs: 10_000, what: 'FRR to notice node-2 speaker is gone' });
      const hopsWhileDown = await net.frr.kernelNextHops(`${bgpVip}/32`);
      t.diagnostic(`node-2 session ${stale.bgpState}; kernel next hops while down: ${hopsWhileDown.map(nodeName).join(', ')}`);
      await lab.startSpeaker('node-2');
      await waitSessions(lab);
      const backAt = Date.now();
      await waitRouteVia(lab, bgpVip, ALL);
      const r = await traffic;
      t.diagnostic(`speaker back ${backAt - killedAt} ms after SIGKILL; ${r.ok} ok / ${r.failed} failed over ${r.elapsedMs} ms`);
      assert.ok((r.at.at(-1) ?? 0) > backAt, 'traffic kept flowing until the speaker was back');
      assert.equal(r.failed, 0, r.errors.join('; '));
      assert.ok(hopsWhileDown.includes('198.51.100.12'), `graceful restart kept node-2 as next hop (had ${hopsWhileDown.join(', ')})`);
    });

    await check('L2 failover: the owner speaker dies, client-l2 is served by another node', async (t) => {
      const { namespace, name } = SERVICES.l2;
      const [vip = ''] = await objects.serviceIps(namespace, name);
      // Ownership is per IP: the owner of this one is whoever client-l2 resolved it to.
      const owner = (await lab.probe(net.clientL2, vip)).answers[0] ?? '';
      const ownerMac = net.nodes.find((n) => n.name === owner)?.mac;
      assert.ok(ownerMac, `client-l2 was answered by a lab node (${owner})`);
      const traffic = lab.probe(net.clientL2, vip, 200, 25, 300);
      await waitFor(async () => (await net.clientL2.neighbors(4)).some((e) => e.dst === vip && e.lladdr === ownerMac), {
        what: `client-l2 resolves ${vip} to ${owner}`,
      });
      await lab.speakers.get(owner)?.kill();
      const killedAt = Date.now();
      const r = await traffic;
      const i = r.answers.findIndex((a, k) => (r.at[k] ?? 0) > killedAt && a !== '' && a !== owner);
      assert.ok(i >= 0, `client-l2 was served by another node within ${r.elapsedMs} ms: ${JSON.stringify(r.byNode)}`);
      const next = r.answers[i] ?? '';
      const failoverMs = (r.at[i] ?? 0) - killedAt;
      const lost = r.answers.filter((a, k) => (r.at[k] ?? 0) > killedAt && a === '').length;
      t.diagnostic(`L2 failover ${owner} → ${next}: served again ${failoverMs} ms after SIGKILL, ${lost} requests failed meanwhile`);
      assert.ok(failoverMs < 5_000, `failover took ${failoverMs} ms`);
      const nextMac = net.nodes.find((n) => n.name === next)?.mac;
      assert.ok((await net.clientL2.neighbors(4)).some((e) => e.dst === vip && e.lladdr === nextMac), `client-l2 now resolves ${vip} to ${next}`);
      await waitFor(async () => (await objects.announcers(namespace, name)).l2.includes(next), { what: `${next} reports a ServiceL2Status` });
      await lab.startSpeaker(owner);
    });
  }
});

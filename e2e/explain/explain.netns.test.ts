// `portside explain` and `portside status` on the lab (real apiserver, `portside controller`,
// three `portside speaker`s, FRR ToR with BFD): a healthy BGP Service, a healthy L2 Service
// (the MAC explain reports is the one client-l2 resolved), Local with no endpoint on a node,
// and a BGP peer down (node-2 cut off from the ToR only: its speaker still reports).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';
import type { ServiceReport } from '../../explain/service.ts';
import type { StatusReport } from '../../explain/status.ts';
import { labOrSkip, waitRouteVia, waitSessions } from '../lab/testing.ts';
import { POOLS, SERVICES, TOR_V4 } from '../lab/plan.ts';
import type { PortsideLab } from '../lab/lab.ts';
import { waitFor } from '../wait.ts';

const run = promisify(execFile);
const PORTSIDE = new URL('../../bin/portside.ts', import.meta.url).pathname;

async function explain<T>(lab: PortsideLab, args: string[]): Promise<{ code: number; report: T; text: string }> {
  const argv = [PORTSIDE, ...args, '--kubeconfig', lab.plane.kubeconfigPath];
  const exec = async (extra: string[]) => {
    try {
      return { code: 0, stdout: (await run(process.execPath, [...argv, ...extra], { timeout: 60_000 })).stdout };
    } catch (err) {
      const e = err as { code?: unknown; stdout?: string };
      if (typeof e.code !== 'number') throw err;
      return { code: e.code, stdout: e.stdout ?? '' };
    }
  };
  const json = await exec(['-o', 'json']);
  return { code: json.code, report: JSON.parse(json.stdout) as T, text: (await exec([])).stdout };
}

/** Polls explain until `ok` holds (the speakers report within a second or two). */
function until<T>(lab: PortsideLab, args: string[], ok: (r: { code: number; report: T }) => boolean, what: string) {
  return waitFor(async () => {
    const r = await explain<T>(lab, args);
    return ok(r) ? r : undefined;
  }, { timeoutMs: 30_000, intervalMs: 500, what });
}

test('explain on the lab: healthy BGP and L2, Local without an endpoint on a node, a BGP peer down', async (t) => {
  const lab = await labOrSkip(t);
  if (!lab) return;
  const { net, objects } = lab;
  const check = (name: string, body: () => Promise<void>) => t.test(name, () => lab.lab.dumpOnFailure(body));
  const bgpKey = `${SERVICES.bgp.namespace}/${SERVICES.bgp.name}`;

  await check('a healthy BGP Service: every node announces to the ToR, BGP Established and BFD Up; exit 0', async () => {
    const { report, text } = await until<ServiceReport>(lab, ['explain', 'service', bgpKey], (r) => r.code === 0, `${bgpKey} healthy`);
    const [vip = ''] = await objects.serviceIps(SERVICES.bgp.namespace, SERVICES.bgp.name);
    assert.deepEqual(report.allocation.ips, [vip]);
    assert.equal(report.allocation.pool, POOLS.bgp.name);
    assert.deepEqual(report.nodes.map((n) => [n.node, n.bgp.reportedPeers, n.bgp.sessions.map((s) => `${s.peer} ${s.peerAddress} ${s.bgp} ${s.bfd}`)]),
      ['node-1', 'node-2', 'node-3'].map((n) => [n, ['tor'], [`tor ${TOR_V4} Established Up`]]));
    assert.equal(report.verdict.summary, `OK: ${vip} announced (BGP from node-1, node-2, node-3)`);
    assert.match(text, /^HEALTHY: OK: /m);
    for (const line of text.split('\n')) assert.ok(line.length <= 100, line);
  });

  await check('a healthy L2 Service: one owner, and the MAC explain reports is the one client-l2 resolves', async () => {
    const key = `${SERVICES.l2.namespace}/${SERVICES.l2.name}`;
    const { report } = await until<ServiceReport>(lab, ['explain', 'service', key], (r) => r.code === 0, `${key} healthy`);
    const owners = report.nodes.filter((n) => n.l2.reported);
    assert.equal(owners.length, 1, JSON.stringify(report.nodes));
    const owner = owners[0]!;
    assert.deepEqual(report.l2Owners.map((o) => o.owner), report.allocation.ips.map(() => owner.node));
    const mac = owner.l2.interfaces.find((i) => i.name === 'eth0')?.mac;
    assert.equal(mac, net.nodes.find((n) => n.name === owner.node)?.mac);
    const v4 = report.allocation.ips.find((ip) => !ip.includes(':')) ?? '';
    const answered = (await lab.probe(net.clientL2, v4, 3)).byNode;
    assert.deepEqual(Object.keys(answered), [owner.node]);
    assert.ok((await net.clientL2.neighbors(4)).some((e) => e.dst === v4 && e.lladdr === mac), `client-l2 resolves ${v4} to ${mac}`);
  });

  await check('externalTrafficPolicy Local with no endpoint on node-2: node-2 is named with the reason, still healthy', async () => {
    await objects.createService({ namespace: 'demo', name: 'explain-local', pool: POOLS.bgp.name, nodes: ['node-1', 'node-3'], externalTrafficPolicy: 'Local' });
    const [vip = ''] = await objects.waitServiceIps('demo', 'explain-local');
    await waitRouteVia(lab, vip, ['node-1', 'node-3']);
    const { report, text } = await until<ServiceReport>(lab, ['explain', 'service', 'demo/explain-local'], (r) => r.code === 0, 'explain-local healthy');
    const n2 = report.nodes.find((n) => n.node === 'node-2')!;
    assert.deepEqual([n2.readyEndpoints, n2.bgp.plannedPeers, n2.bgp.reportedPeers], [0, [], []]);
    assert.deepEqual(n2.notAnnouncing, ['BGP: externalTrafficPolicy Local and no ready endpoint here']);
    const advert = report.advertisements.find((a) => a.kind === 'BGPAdvertisement' && a.selects)!;
    assert.deepEqual(advert.nodes.find((n) => n.node === 'node-2'), { node: 'node-2', excludedBecause: 'externalTrafficPolicy Local and no ready endpoint here' });
    assert.deepEqual(report.endpoints.byNode, { 'node-1': 1, 'node-3': 1 });
    assert.equal(report.verdict.summary, `OK: ${vip} announced (BGP from node-1, node-3)`);
    assert.match(text, /not from node-2: externalTrafficPolicy Local and no ready endpoint here/);
  });

  await check('a BGP peer down from node-2: explain and status name the peer, the node and BGP/BFD state; exit 1', async () => {
    const node2 = net.nodes.find((n) => n.name === 'node-2')!;
    // Only the ToR becomes unreachable: node-2's speaker still reaches the apiserver and reports.
    await node2.ns.ip(['route', 'add', 'blackhole', `${TOR_V4}/32`]);
    try {
      const { report } = await until<ServiceReport>(lab, ['explain', 'service', bgpKey],
        (r) => r.code === 1 && /peer tor is down from node-2/.test(r.report.verdict.summary), `${bgpKey} shows node-2's peer down`);
      const s = report.nodes.find((n) => n.node === 'node-2')!.bgp.sessions.find((x) => x.peer === 'tor')!;
      assert.notEqual(s.bgp, 'Established');
      assert.equal(s.up, false);
      assert.match(report.verdict.summary, /\(announced: BGP from node-1, node-3\)$/);
      assert.match(report.verdict.next, new RegExp(`check the router at ${TOR_V4.replace(/\./g, '\\.')} and BGPPeer tor`));
      const status = await explain<StatusReport>(lab, ['status']);
      assert.equal(status.code, 1);
      const down = status.report.nodes.find((n) => n.node === 'node-2')!.sessions.find((x) => x.peer === 'tor')!;
      assert.deepEqual([down.up, status.report.nodes.filter((n) => n.sessions.every((x) => x.up)).map((n) => n.node)], [false, ['node-1', 'node-3']]);
      assert.match(status.report.verdict.summary, /1 BGP session\(s\) down \(tor from node-2\)/);
    } finally {
      await node2.ns.ip(['route', 'del', 'blackhole', `${TOR_V4}/32`]);
    }
    await waitSessions(lab);
    await until<StatusReport>(lab, ['status'], (r) => r.code === 0, 'status healthy again');
  });
});

// The host-frr backend end to end: two nodes, each running its own FRR 8.4 (the "host" FRR,
// configured here as an operator would, peering an FRR ToR) and `portside speaker
// --bgp-backend host-frr`, which opens no BGP session and only feeds the host FRR the node's
// prefixes through vtysh. Dynamic mode (`network` lines) and connected mode (addresses on
// portside0, FRR redistributes connected): the ToR sees ECMP from both nodes, a Local Service
// only from the node with its endpoint, a deleted Service is withdrawn, a stale line or address
// of Portside's is removed at start, a restarted host FRR is reconciled, the operator's configuration is byte-identical apart from Portside's own
// `network` lines, foreign addresses stay, and a vtysh that prints garbage is a reported
// error that changes nothing. Dynamic mode with BGPAdvertisement attributes: communities and
// large communities at the ToR, local-pref in the node's table, through Portside's own
// `portside-…` route-maps, GRACEFUL_SHUTDOWN while cordoned, a field it cannot honour named on
// ConfigurationState (a BGPAdvertisement's, and a BGPPeer's that differs from what the node's FRR
// runs, with FRR's value), and the route-maps gone with the advertisement.
import assert from 'node:assert/strict';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { mergePatch } from '../k8s/patch.ts';
import { run } from '../netns/index.ts';
import { startFrr, type FrrRouter, type StartFrrOptions } from '../routers/index.ts';
import { waitFor } from '../wait.ts';
import type { LabHost } from '../lab/builder.ts';
import { serviceWithEndpoints, startLabCluster, type LabCluster } from './lab-cluster.ts';

const TOR_ASN = 64512;
const NODE_ASN = 64513;
/** The BGPPeer as the nodes' FRR has the ToR (its neighbour timers): nothing for host-frr to warn about. */
const TOR_PEER = (address: string) => ({ myASN: NODE_ASN, peerASN: TOR_ASN, peerAddress: address, holdTime: '9s', keepaliveTime: '3s' });
const POOL = '203.0.113.0/28';

/** The host FRR's vty socket directory: the `-N <ns>-host` pathspace startFrr makes. */
const vtyDir = (node: LabHost) => `/var/run/frr/${node.ns.name}-host`;

interface HostFrrLab {
  c: LabCluster;
  tor: FrrRouter;
  hosts: FrrRouter[];
  hostOptions: (i: number) => StartFrrOptions;
}

/** Which vtysh each node's speaker runs (a test swaps in a broken one). */
const vtyshOf = new Map<string, string>();

async function startHostFrrLab(
  t: Parameters<typeof startLabCluster>[0], mode: 'dynamic' | 'connected', extraArgs: readonly string[] = [], env: Record<string, string> = {},
): Promise<HostFrrLab | undefined> {
  const c = await startLabCluster(t, {
    nodes: 2,
    commands: ['vtysh', '/usr/lib/frr/bgpd'],
    speakerEnv: { PORTSIDE_HOST_FRR_RECONCILE_MS: '1000', ...env },
    speakerArgs: (node) => ['--bgp-backend', 'host-frr', '--frr-vty-socket', vtyDir(node), '--frr-vtysh', vtyshOf.get(node.name) ?? 'vtysh', ...extraArgs],
  });
  if (!c) return undefined;
  const torIp = c.addr(2);
  const tor = await startFrr(c.lab, await c.host('tor', 2), {
    asn: TOR_ASN, routerId: torIp, maximumPaths: 8,
    listenRanges: [{ range: c.subnet, peerGroup: 'NODES', remoteAs: NODE_ASN, timers: { keepaliveS: 3, holdS: 9 } }],
  });
  // The operator's own FRR on each node: one neighbour, the ToR; connected mode redistributes connected routes.
  const hostOptions = (i: number): StartFrrOptions => ({
    name: 'host', asn: NODE_ASN, routerId: c.nodes[i]!.v4, forwarding: false,
    neighbors: [{ address: torIp, remoteAs: TOR_ASN, timers: { keepaliveS: 3, holdS: 9 } }],
    ...(mode === 'connected' ? { extraAddressFamily: { ipv4: ['redistribute connected'] } } : {}),
    daemons: ['zebra', 'bgpd'],
  });
  const hosts: FrrRouter[] = [];
  for (const [i, node] of c.nodes.entries()) hosts.push(await startFrr(c.lab, node.ns, hostOptions(i)));
  for (const n of c.nodes) await tor.waitEstablished(n.v4);
  return { c, tor, hosts, hostOptions };
}

async function portsideObjects(c: LabCluster): Promise<void> {
  await c.apply('ipaddresspools', 'IPAddressPool', 'lab', { addresses: [POOL] });
  await c.apply('bgppeers', 'BGPPeer', 'tor', TOR_PEER(c.addr(2)));
  await c.apply('bgpadvertisements', 'BGPAdvertisement', 'lab', { ipAddressPools: ['lab'] });
}

const runningConfig = (frr: FrrRouter) => frr.vtysh('show running-config');

/** The running configuration without Portside's `network` lines for `prefixes`. */
function withoutNetworks(text: string, prefixes: readonly string[]): string {
  return text.split('\n').filter((l) => !prefixes.some((p) => l === `  network ${p}`)).join('\n');
}

/**
 * The running configuration without Portside's own lines: `network P route-map portside-…` for
 * `prefixes`, and every `route-map portside-…` block (with the `!` FRR prints after it).
 */
function withoutPortside(text: string, prefixes: readonly string[]): string {
  const out: string[] = [];
  let inMap = false;
  for (const l of text.split('\n')) {
    if (/^route-map portside-\S+ permit 10$/.test(l)) inMap = true;
    else if (inMap && l === '!') inMap = false;
    else if (!inMap && !prefixes.some((p) => new RegExp(`^  network ${p.replaceAll('.', '\\.')} route-map portside-[0-9a-f]{16}$`).test(l))) out.push(l);
  }
  return out.join('\n');
}

interface FrrPath {
  community?: { string: string };
  largeCommunity?: { string: string };
  locPrf?: number;
  nexthops?: { ip: string }[];
}

const paths = async (frr: FrrRouter, prefix: string) => (await frr.vtyshJson<{ paths?: FrrPath[] } | null>(`show bgp ipv4 unicast ${prefix} json`))?.paths ?? [];

async function checkStatuses(c: LabCluster, service: string, nodes: readonly string[]): Promise<void> {
  await waitFor(async () => {
    const items = (await c.list('servicebgpstatuses')).filter((s) => s.status?.serviceName === service);
    const got = items.map((s) => `${String(s.status?.node)}:${JSON.stringify(s.status?.peers)}`).sort();
    return got.join(',') === nodes.map((n) => `${n}:["tor"]`).join(',');
  }, { what: `ServiceBGPStatus of ${service} on ${nodes.join(', ')} listing peer tor` });
  const sessions = await waitFor(async () => {
    const items = await c.list('bgpsessionstates');
    return items.length === c.nodes.length && items.every((s) => s.status?.bgpStatus === 'Established') ? items : undefined;
  }, { what: 'a BGPSessionState per node, Established (read from the host FRR)' });
  assert.deepEqual(sessions.map((s) => `${String(s.status?.node)} ${String(s.status?.peer)} ${String(s.status?.peerAddress)}`).sort(),
    c.nodes.map((n) => `${n.name} tor ${c.addr(2)}`));
  for (const n of c.nodes) {
    const state = await c.configState(n.name);
    assert.equal(state?.result, 'Valid');
    assert.equal(state?.conditions?.find((x) => x.type === 'BGPBackendReady'), undefined, 'no backend problem');
  }
  const metrics = (await c.scrape(c.nodes[0]!, '/metrics')).body;
  assert.match(metrics, /portside_bgp_session_up\{peer="tor"\} 1/);
}

test('host-frr, dynamic mode: network lines under the operator\'s router bgp, ECMP, Local, withdraw, FRR restart, config untouched', async (t) => {
  const l = await startHostFrrLab(t, 'dynamic');
  if (!l) return;
  const { c, tor, hosts } = l;
  await c.lab.dumpOnFailure(async () => {
    const before = await Promise.all(hosts.map(runningConfig));
    // A line a previous speaker left on node1 (inside the pool, wanted by no Service): stale, removed at start.
    await hosts[0]!.vtysh('configure terminal', `router bgp ${NODE_ASN}`, 'address-family ipv4 unicast', 'network 203.0.113.12/32');
    await portsideObjects(c);
    await serviceWithEndpoints(c, 'e2e', 'web', c.nodes);
    const [vip] = await c.cluster.waitForIPs('e2e', 'web', 1, 20_000);
    if (vip === '203.0.113.12') assert.fail('the controller assigned the address the test keeps for a stale line');
    const prefix = `${vip}/32`;
    const both = c.nodes.map((n) => n.v4);
    await waitFor(async () => !(await runningConfig(hosts[0]!)).includes('network 203.0.113.12/32'), { what: 'node1: the stale network line removed' });
    const t0 = Date.now();
    await tor.waitKernelRoute(prefix, both, { timeoutMs: 20_000 });
    t.diagnostic(`ToR: ${prefix} via ${both.join(', ')} ${Date.now() - t0} ms after the IP was assigned`);
    for (const [i, h] of hosts.entries()) {
      const now = await runningConfig(h);
      assert.ok(now.includes(`  network ${prefix}\n`), `node${i + 1}: Portside's network line`);
      assert.equal(withoutNetworks(now, [prefix]), before[i], `node${i + 1}: the operator's configuration is byte-identical apart from Portside's network line`);
    }
    await checkStatuses(c, 'web', ['node1', 'node2']);

    // externalTrafficPolicy Local with a ready endpoint on node1 only: node2 never announces it.
    await serviceWithEndpoints(c, 'e2e', 'local', [c.nodes[0]!], { externalTrafficPolicy: 'Local' });
    const [localVip] = await c.cluster.waitForIPs('e2e', 'local', 1, 20_000);
    await tor.waitKernelRoute(`${localVip}/32`, [c.nodes[0]!.v4], { timeoutMs: 20_000 });
    assert.ok(!(await runningConfig(hosts[1]!)).includes(`network ${localVip}/32`), 'node2 (no local endpoint) has no network line for it');

    // The host FRR restarts (its saved file never had our lines): the speaker puts them back.
    const restartedAt = Date.now();
    await hosts[0]!.stop();
    await tor.waitKernelRoute(prefix, [c.nodes[1]!.v4], { timeoutMs: 20_000 });
    hosts[0] = await startFrr(c.lab, c.nodes[0]!.ns, l.hostOptions(0));
    await tor.waitKernelRoute(prefix, both, { timeoutMs: 20_000 });
    await tor.waitKernelRoute(`${localVip}/32`, [c.nodes[0]!.v4], { timeoutMs: 20_000 });
    t.diagnostic(`host FRR on node1 restarted: ECMP back ${Date.now() - restartedAt} ms after the stop`);
    const reconciled = c.nodes[0]!.speaker!.jsonLines<{ event?: string; lost?: string[] }>().find((e) => e.event === 'host_frr_reconciled');
    assert.ok(reconciled?.lost?.includes(`network ${prefix}`), 'the speaker saw FRR lose its lines and put them back');

    // Deleting the Services withdraws them everywhere; the operator's configuration is as it was.
    await c.cluster.deleteService('e2e', 'web');
    await c.cluster.deleteService('e2e', 'local');
    await tor.waitKernelRoute(prefix, [], { timeoutMs: 20_000 });
    await tor.waitKernelRoute(`${localVip}/32`, [], { timeoutMs: 20_000 });
    for (const [i, h] of hosts.entries()) {
      await waitFor(async () => (await runningConfig(h)) === before[i], { what: `node${i + 1}: running-config byte-identical to the operator's` });
    }

    // A vtysh that prints garbage: an error on ConfigurationState, the speaker keeps running, FRR is not touched.
    await serviceWithEndpoints(c, 'e2e', 'again', c.nodes);
    const [again] = await c.cluster.waitForIPs('e2e', 'again', 1, 20_000);
    await tor.waitKernelRoute(`${again}/32`, both, { timeoutMs: 20_000 });
    const node2 = c.nodes[1]!;
    const fake = join(c.lab.dir, 'fake-vtysh');
    const calls = join(c.lab.dir, 'fake-vtysh.calls');
    await writeFile(fake, [
      '#!/bin/sh',
      `printf '%s\\n' "$*" >> '${calls}'`,
      'case "$*" in *"show running-config"*) echo "% Unknown command: garbage"; echo "router bgp"; exit 0;; esac',
      'exec vtysh "$@"',
      '',
    ].join('\n'));
    await chmod(fake, 0o755);
    await node2.speaker!.stop();
    vtyshOf.set(node2.name, fake);
    t.after(() => vtyshOf.delete(node2.name));
    const speaker = await c.startSpeaker(node2);
    await c.cluster.deleteService('e2e', 'again');
    const state = await waitFor(async () => {
      const s = await c.configState(node2.name);
      const cond = s?.conditions?.find((x) => x.type === 'BGPBackendReady') as { status: string; message?: string } | undefined;
      return cond?.status === 'False' ? cond : undefined;
    }, { what: 'node2 reports the unreadable FRR output on ConfigurationState' });
    assert.match(state.message ?? '', /FRR running-config: no closing "end"/);
    await tor.waitKernelRoute(`${again}/32`, [node2.v4], { timeoutMs: 20_000 });
    assert.ok(speaker.running, 'the speaker did not crash');
    assert.ok((await runningConfig(hosts[1]!)).includes(`  network ${again}/32\n`), 'node2\'s FRR is untouched: its line stays (nothing is removed on output we cannot read)');
    const made = await readFile(calls, 'utf8');
    assert.ok(!made.includes('configure terminal'), 'no configuration command was ever sent through the broken vtysh');
    assert.ok(speaker.jsonLines<{ event?: string }>().some((e) => e.event === 'host_frr_unexpected_output'), 'a clear error in the log');
  });
});

/** True when this kernel can make dummy interfaces (a network namespace of its own, so nothing to clean up). */
const kernelHasDummy = () => run('unshare', ['--net', 'ip', 'link', 'add', 'probe0', 'type', 'dummy']).then(() => true, () => false);

test('host-frr, connected mode: /32s on portside0 redistributed by the operator\'s FRR; stale ones removed, foreign and excluded ones kept; attributes named as not applied', async (t) => {
  // node2 has no portside0: the speaker creates it, a dummy, or an ifb where this kernel has no dummy module.
  const kind = await kernelHasDummy() ? 'dummy' : 'ifb';
  const l = await startHostFrrLab(t, 'connected', ['--host-frr-exclude', '203.0.113.13'], { PORTSIDE_HOST_FRR_INTERFACE_KIND: kind });
  if (!l) return;
  const { c, tor, hosts } = l;
  await c.lab.dumpOnFailure(async () => {
    t.diagnostic(`portside0 made as ${kind} (PORTSIDE_HOST_FRR_INTERFACE_KIND)`);
    // Left from before on node1's portside0: a stale address of ours, an excluded one and a foreign one.
    const n1 = c.nodes[0]!;
    await n1.ns.ip(['link', 'add', 'portside0', 'type', kind]);
    await n1.ns.linkUp('portside0');
    for (const a of ['203.0.113.12/32', '203.0.113.13/32', '203.0.113.200/32']) await n1.ns.addAddress('portside0', a);
    const before = await Promise.all(hosts.map(runningConfig));
    await portsideObjects(c);
    await serviceWithEndpoints(c, 'e2e', 'web', c.nodes);
    const [vip] = await c.cluster.waitForIPs('e2e', 'web', 1, 20_000);
    if (['203.0.113.12', '203.0.113.13'].includes(vip ?? '')) assert.fail(`the controller assigned ${vip}, which the test keeps for stale/excluded`);
    const prefix = `${vip}/32`;
    const both = c.nodes.map((n) => n.v4);
    await tor.waitKernelRoute(prefix, both, { timeoutMs: 20_000 });
    const addrs = async (n: typeof n1) => (await n.ns.addresses('portside0')).filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`).sort();
    await waitFor(async () => (await addrs(n1)).join(',') === [prefix, '203.0.113.13/32', '203.0.113.200/32'].sort().join(','), { what: 'node1 portside0: ours, the excluded and the foreign address; the stale one gone' });
    assert.deepEqual(await addrs(c.nodes[1]!), [prefix], 'node2: portside0 created by the speaker, with the Service IP');
    const made = await c.nodes[1]!.ns.ipJson<{ linkinfo?: { info_kind?: string } }[]>(['-d', 'link', 'show', 'dev', 'portside0']);
    assert.equal(made[0]?.linkinfo?.info_kind, kind, `node2: portside0 is a ${kind}`);
    for (const [i, h] of hosts.entries()) assert.equal(await runningConfig(h), before[i], `node${i + 1}: connected mode never changes FRR's configuration`);
    await checkStatuses(c, 'web', ['node1', 'node2']);

    // Communities in connected mode cannot be Portside's (the operator's redistribute policy sets them): named on ConfigurationState.
    await c.apply('bgpadvertisements', 'BGPAdvertisement', 'lab', { ipAddressPools: ['lab'], communities: ['64512:100'], localPref: 300 });
    for (const n of c.nodes) {
      const cond = await waitFor(async () => {
        const w = (await c.configState(n.name))?.conditions?.find((x) => x.type === 'ConfigurationWarnings') as { message?: string } | undefined;
        return w?.message?.includes('BGPAdvertisement/lab spec.localPref') ? w : undefined;
      }, { what: `${n.name}: ConfigurationState names BGPAdvertisement/lab spec.communities and spec.localPref` });
      assert.match(cond.message ?? '', /BGPAdvertisement\/lab spec\.communities: communities not applied to IPv4 Service IPs by --bgp-backend host-frr: the node's FRR redistributes connected routes for IPv4 \(connected mode\)/);
    }
    for (const [i, h] of hosts.entries()) assert.equal(await runningConfig(h), before[i], `node${i + 1}: still no change to FRR's configuration (no route-map in connected mode)`);
    await c.apply('bgpadvertisements', 'BGPAdvertisement', 'lab', { communities: null, localPref: null });
    await waitFor(async () => (await c.configState('node1'))?.conditions?.find((x) => x.type === 'ConfigurationWarnings') === undefined, { what: 'the warning goes with the attributes' });

    await c.cluster.deleteService('e2e', 'web');
    await tor.waitKernelRoute(prefix, [], { timeoutMs: 20_000 });
    await waitFor(async () => (await addrs(n1)).join(',') === '203.0.113.13/32,203.0.113.200/32', { what: 'node1: the Service IP removed, the others kept' });
    await waitFor(async () => (await addrs(c.nodes[1]!)).length === 0, { what: 'node2: the Service IP removed' });
  });
});

test('host-frr, dynamic mode: BGPAdvertisement communities, large communities and local-pref through Portside\'s route-maps; GRACEFUL_SHUTDOWN on cordon; gone with the advertisement', async (t) => {
  const l = await startHostFrrLab(t, 'dynamic');
  if (!l) return;
  const { c, tor, hosts } = l;
  await c.lab.dumpOnFailure(async () => {
    const before = await Promise.all(hosts.map(runningConfig));
    await c.apply('ipaddresspools', 'IPAddressPool', 'lab', { addresses: [POOL] });
    await c.apply('bgppeers', 'BGPPeer', 'tor', TOR_PEER(c.addr(2)));
    const attrs = { ipAddressPools: ['lab'], communities: ['64512:100', 'large:64512:1:2'], localPref: 250 };
    await c.apply('bgpadvertisements', 'BGPAdvertisement', 'lab', { ...attrs, peers: ['tor'] });
    await serviceWithEndpoints(c, 'e2e', 'web', c.nodes);
    const [vip] = await c.cluster.waitForIPs('e2e', 'web', 1, 20_000);
    const prefix = `${vip}/32`;
    const both = c.nodes.map((n) => n.v4);
    await tor.waitKernelRoute(prefix, both, { timeoutMs: 20_000 });
    const fromBoth = async (test: (p: FrrPath) => boolean) => {
      const ps = await paths(tor, prefix);
      return both.every((nh) => ps.some((p) => p.nexthops?.[0]?.ip === nh && test(p)));
    };
    const t0 = Date.now();
    await waitFor(() => fromBoth((p) => /(^| )64512:100( |$)/.test(p.community?.string ?? '') && p.largeCommunity?.string === '64512:1:2'),
      { what: 'the ToR: both nodes\' paths carry 64512:100 and large 64512:1:2', timeoutMs: 20_000 });
    t.diagnostic(`ToR: communities on both paths ${Date.now() - t0} ms after the route`);
    for (const [i, h] of hosts.entries()) {
      const mine = (await paths(h, prefix)).find((p) => p.nexthops?.[0]?.ip === '0.0.0.0' || p.locPrf !== undefined);
      assert.equal(mine?.locPrf, 250, `node${i + 1}: its FRR originates ${prefix} with local-pref 250 (sent on iBGP sessions only)`);
      const now = await runningConfig(h);
      const maps = [...now.matchAll(/^route-map (portside-[0-9a-f]{16}) permit 10$/gm)].map((m) => m[1]);
      assert.equal(maps.length, 1, `node${i + 1}: one route-map of Portside's`);
      assert.match(now, new RegExp(`^  network ${prefix.replaceAll('.', '\\.')} route-map ${maps[0]}$`, 'm'));
      assert.match(now, new RegExp(`route-map ${maps[0]} permit 10\n set community 64512:100 additive\n set large-community 64512:1:2 additive\n set local-preference 250\nexit\n`));
      assert.equal(withoutPortside(now, [prefix]), before[i], `node${i + 1}: the operator's configuration is byte-identical apart from Portside's network line and route-map`);
    }
    for (const n of c.nodes) {
      const state = await c.configState(n.name);
      assert.equal(state?.conditions?.find((x) => x.type === 'ConfigurationWarnings'), undefined, `${n.name}: peers names every BGPPeer of the node: honoured, no warning`);
    }

    // A BGPPeer that says other than the node's FRR runs: named, with FRR's value; gone when they agree.
    await c.apply('bgppeers', 'BGPPeer', 'tor', { ...TOR_PEER(c.addr(2)), holdTime: '90s' });
    const peerWarned = await waitFor(async () => {
      const cond = (await c.configState('node1'))?.conditions?.find((x) => x.type === 'ConfigurationWarnings') as { message?: string } | undefined;
      return cond?.message?.includes('BGPPeer/tor spec.holdTime') ? cond : undefined;
    }, { what: 'node1 ConfigurationState names BGPPeer/tor spec.holdTime' });
    assert.match(peerWarned.message ?? '', /BGPPeer\/tor spec\.holdTime: holdTime 90s is not what the node's FRR runs: its neighbor \S+ has hold time 9s/);
    await c.apply('bgppeers', 'BGPPeer', 'tor', TOR_PEER(c.addr(2)));
    await waitFor(async () => (await c.configState('node1'))?.conditions?.find((x) => x.type === 'ConfigurationWarnings') === undefined, { what: 'the BGPPeer warning goes when it agrees with FRR' });

    // A field host-frr cannot honour is a warning naming the object and the field.
    await c.apply('bgpadvertisements', 'BGPAdvertisement', 'agg', { ipAddressPools: ['lab'], aggregationLength: 28 });
    const warned = await waitFor(async () => {
      const cond = (await c.configState('node1'))?.conditions?.find((x) => x.type === 'ConfigurationWarnings') as { message?: string } | undefined;
      return cond?.message?.includes('BGPAdvertisement/agg spec.aggregationLength: not honoured by --bgp-backend host-frr') ? cond : undefined;
    }, { what: 'node1 ConfigurationState names BGPAdvertisement/agg spec.aggregationLength' });
    t.diagnostic(`ConfigurationWarnings: ${warned.message?.slice(0, 160)}`);
    await c.remove('bgpadvertisements', 'agg');
    await waitFor(async () => (await c.configState('node1'))?.conditions?.find((x) => x.type === 'ConfigurationWarnings') === undefined, { what: 'the warning goes with the advertisement' });

    // Cordoning node1: its path carries GRACEFUL_SHUTDOWN as well; uncordoning takes it away.
    await c.cluster.core.patchNode({ name: 'node1', body: { spec: { unschedulable: true } } }, mergePatch());
    const g0 = Date.now();
    await waitFor(async () => (await paths(tor, prefix)).some((p) => p.nexthops?.[0]?.ip === c.nodes[0]!.v4
      && /graceful-shutdown/.test(p.community?.string ?? '') && /64512:100/.test(p.community?.string ?? '')), { what: 'node1\'s path with GRACEFUL_SHUTDOWN and its own community', timeoutMs: 20_000 });
    t.diagnostic(`GRACEFUL_SHUTDOWN at the ToR ${Date.now() - g0} ms after the cordon`);
    assert.ok((await paths(tor, prefix)).some((p) => p.nexthops?.[0]?.ip === c.nodes[1]!.v4 && !/graceful-shutdown/.test(p.community?.string ?? '')), 'node2\'s path has none');
    assert.equal((await paths(hosts[0]!, prefix)).find((p) => p.locPrf !== undefined)?.locPrf, 0, 'node1 originates it with local-pref 0 (RFC 8326)');
    await c.cluster.core.patchNode({ name: 'node1', body: { spec: { unschedulable: null } } }, mergePatch());
    await waitFor(() => fromBoth((p) => !/graceful-shutdown/.test(p.community?.string ?? '') && /64512:100/.test(p.community?.string ?? '')), { what: 'uncordoned: no GRACEFUL_SHUTDOWN, the community stays', timeoutMs: 20_000 });
    assert.equal((await runningConfig(hosts[0]!)).match(/^route-map portside-/gm)?.length, 1, 'node1: the cordon\'s route-map is gone');

    // The advertisement loses its attributes: plain network lines, no route-map of Portside's left.
    await c.apply('bgpadvertisements', 'BGPAdvertisement', 'lab', { ipAddressPools: ['lab'], communities: null, localPref: null }); // a merge patch: null removes
    await waitFor(() => fromBoth((p) => p.community === undefined && p.largeCommunity === undefined), { what: 'the ToR: no community on either path', timeoutMs: 20_000 });
    for (const [i, h] of hosts.entries()) {
      await waitFor(async () => withoutNetworks(await runningConfig(h), [prefix]) === before[i], { what: `node${i + 1}: a plain network line, Portside's route-map removed` });
    }

    // Attributes again, then the advertisement goes: the prefix is withdrawn and FRR's configuration is the operator's again.
    await c.apply('bgpadvertisements', 'BGPAdvertisement', 'lab', attrs);
    await waitFor(() => fromBoth((p) => /64512:100/.test(p.community?.string ?? '')), { what: 'the community back', timeoutMs: 20_000 });
    await c.remove('bgpadvertisements', 'lab');
    await tor.waitKernelRoute(prefix, [], { timeoutMs: 20_000 });
    for (const [i, h] of hosts.entries()) {
      await waitFor(async () => (await runningConfig(h)) === before[i], { what: `node${i + 1}: running-config byte-identical to the operator's (network line and route-map removed)` });
    }
  });
});

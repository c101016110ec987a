// The lab's network: a bridge with the root namespace, three nodes, a client and an FRR
// top-of-rack on it, and a second client behind the router. Each node runs a kube-proxy
// stand-in: nftables redirects Service IPs on :80 to a local HTTP server that answers with
// the node's name. The VIP is never a local address, so the kernel never answers ARP/NDP
// for it — only the speaker does (L2), or FRR routes it to the node (BGP).
import { join } from 'node:path';
import type { Bridge, Lab, LabProcess, Link, Netns } from '../netns/index.ts';
import { run } from '../netns/index.ts';
import { startFrr, type FrrRouter } from '../routers/index.ts';
import {
  BFD_PROFILE, CLIENT_L2_V4, CLIENT_L2_V6, LAN_V4, NODE_ASN, NODE_HTTP_PORT, NODES, ROOT_V4, ROOT_V6,
  SERVICE_PORT, SERVICE_RANGES, TOR_ASN, TOR_V4, TOR_V6, UPLINK, type LabNodePlan,
} from './plan.ts';

const NODE_HTTP = join(import.meta.dirname, 'node-http.ts');

export interface LabNodeNet {
  plan: LabNodePlan;
  ns: Netns;
  link: Link;
  mac: string;
  http: LabProcess;
}

export interface LabNetwork {
  lan: Bridge;
  /** The root namespace's veth onto the bridge. */
  rootIf: string;
  nodes: LabNodeNet[];
  tor: Netns;
  frr: FrrRouter;
  clientOut: Netns;
  clientL2: Netns;
}

export type Step = <T>(what: string, body: () => Promise<T>) => Promise<T>;

/** Fails with one clear line when the lab addresses are taken in the root namespace. */
export async function checkRootAddressFree(): Promise<void> {
  const { stdout } = await run('ip', ['-o', 'addr', 'show', 'to', ROOT_V4]);
  const dev = stdout.trim().split(/\s+/)[1];
  if (dev) throw new Error(`${ROOT_V4} is already on ${dev} in the root namespace (another lab still up? run \`make lab-down\`)`);
}

/** A MAC that names its node on the board: 02:00:00:00:01:0<i>. */
export const nodeMac = (i: number): string => `02:00:00:00:01:${(i + 1).toString(16).padStart(2, '0')}`;

function serviceRedirect(): string {
  const v4 = SERVICE_RANGES.v4.join(', ');
  const v6 = SERVICE_RANGES.v6.join(', ');
  return [
    'table inet portside_lab {',
    '  chain prerouting {',
    '    type nat hook prerouting priority dstnat; policy accept;',
    `    ip daddr { ${v4} } tcp dport ${SERVICE_PORT} redirect to :${NODE_HTTP_PORT}`,
    `    ip6 daddr { ${v6} } tcp dport ${SERVICE_PORT} redirect to :${NODE_HTTP_PORT}`,
    '  }',
    '}',
    '',
  ].join('\n');
}

async function rootLeg(lab: Lab, lan: Bridge): Promise<string> {
  const rootIf = `${lab.prefix}-up`;
  await run('ip', ['link', 'add', rootIf, 'type', 'veth', 'peer', 'name', 'uplink', 'netns', lan.switchNs.name]);
  lab.onDestroy('root veth', async () => void (await run('ip', ['link', 'del', rootIf]).catch(() => undefined)));
  await lan.switchNs.ip(['link', 'set', 'uplink', 'master', lan.name, 'up']);
  await run('ip', ['addr', 'add', `${ROOT_V4}/24`, 'dev', rootIf]);
  await run('ip', ['-6', 'addr', 'add', `${ROOT_V6}/64`, 'dev', rootIf, 'nodad']);
  await run('ip', ['link', 'set', rootIf, 'up']);
  return rootIf;
}

async function startNode(lab: Lab, lan: Bridge, plan: LabNodePlan, i: number): Promise<LabNodeNet> {
  const ns = await lab.namespace(plan.name);
  // Belt and braces: even a VIP put on lo by hand is never answered by the kernel's ARP.
  await ns.sysctls({ 'net.ipv4.conf.all.arp_ignore': 1, 'net.ipv4.conf.all.arp_announce': 2 });
  const mac = nodeMac(i);
  const link = await lab.link(ns, lan, { ifname: 'eth0', addrs: [`${plan.v4}/24`, `${plan.v6}/64`], mac });
  await ns.addRoute({ dst: 'default', via: TOR_V4 });
  await ns.ip(['-6', 'route', 'add', 'default', 'via', TOR_V6]);
  await ns.exec('nft', ['-f', '-'], { input: serviceRedirect() });
  const http = ns.spawn(process.execPath, [NODE_HTTP, plan.name, String(NODE_HTTP_PORT)], { name: 'http' });
  return { plan, ns, link, mac, http };
}

export async function buildNetwork(lab: Lab, step: Step): Promise<LabNetwork> {
  const { lan, rootIf } = await step(`lab bridge and the root namespace's leg (${ROOT_V4})`, async () => {
    await checkRootAddressFree();
    const bridge = await lab.bridge('lan');
    return { lan: bridge, rootIf: await rootLeg(lab, bridge) };
  });
  const nodes = await step('node namespaces node-1..3 with kube-proxy stand-ins', () =>
    Promise.all(NODES.map((plan, i) => startNode(lab, lan, plan, i))));

  const { tor, clientOut, frr } = await step('FRR top-of-rack (dynamic neighbors, ECMP, BFD) and client-out', async () => {
    const torNs = await lab.namespace('tor', { forwarding: true });
    // Hash on ports too, so one client's connections spread over the ECMP next hops.
    await torNs.sysctls({ 'net.ipv4.fib_multipath_hash_policy': 1, 'net.ipv6.fib_multipath_hash_policy': 1 });
    await lab.link(torNs, lan, { ifname: 'eth0', addrs: [`${TOR_V4}/24`, `${TOR_V6}/64`], mac: '02:00:00:00:00:fe' });
    const out = await lab.namespace('client-out');
    await lab.veth(torNs, out, {
      a: { ifname: 'eth1', addrs: [`${UPLINK.tor}/${UPLINK.len}`, `${UPLINK.torV6}/64`] },
      b: { ifname: 'eth0', addrs: [`${UPLINK.client}/${UPLINK.len}`, `${UPLINK.clientV6}/64`] },
    });
    await out.addRoute({ dst: 'default', via: UPLINK.tor });
    await out.ip(['-6', 'route', 'add', 'default', 'via', UPLINK.torV6]);
    const router = await startFrr(lab, torNs, {
      asn: TOR_ASN,
      routerId: TOR_V4,
      maximumPaths: 8,
      bfdProfiles: [{ name: BFD_PROFILE.name, receiveIntervalMs: BFD_PROFILE.intervalMs, transmitIntervalMs: BFD_PROFILE.intervalMs, detectMultiplier: BFD_PROFILE.multiplier }],
      listenRanges: [{ range: LAN_V4, peerGroup: 'NODES', remoteAs: NODE_ASN, timers: { keepaliveS: 3, holdS: 9 }, bfdProfile: BFD_PROFILE.name }],
    });
    return { tor: torNs, clientOut: out, frr: router };
  });

  const clientL2 = await step('client-l2 on the nodes\' segment (198.51.100.50)', async () => {
    const ns = await lab.namespace('client-l2');
    await lab.link(ns, lan, { ifname: 'eth0', addrs: [`${CLIENT_L2_V4}/24`, `${CLIENT_L2_V6}/64`], mac: '02:00:00:00:00:50' });
    return ns;
  });
  return { lan, rootIf, nodes, tor, frr, clientOut, clientL2 };
}

// Building blocks of failover.netns.test.ts on top of the shared e2e/netns lab: three
// speaker nodes and a client on one bridge, VIPs on each node's lo with the kernel told
// not to answer ARP/NDP for them, and readers for the JSON lines workers print.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Bridge, Lab, Link, Netns, LabProcess } from '../netns/index.ts';
import type { FailoverWorkerConfig, WorkerReport, WorkerService } from './failover-worker.ts';

const script = (name: string) => fileURLToPath(new URL(`./${name}`, import.meta.url));

export const VIP4 = '198.51.100.100';
export const VIP6 = '2001:db8:300::100';
export const HTTP_PORT = 8080;
export const LIVENESS_PORT = 7946;
export const KEY = randomBytes(32).toString('hex');
export const NODES = ['n1', 'n2', 'n3'] as const;
export const CLIENT = { v4: '198.51.100.1', v6: '2001:db8:300::1' };

export interface LabNode {
  name: string;
  ns: Netns;
  link: Link;
  mac: string;
  v4: string;
  v6: string;
  /** Unix socket of the worker's control channel. */
  control: string;
  worker?: LabProcess;
}

/** Lines of JSON a lab process printed to its log. */
export function jsonLines(proc: LabProcess): Record<string, unknown>[] {
  let text: string;
  try {
    text = readFileSync(proc.logFile, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

export async function addNode(lab: Lab, lan: Bridge, index: number): Promise<LabNode> {
  const name = NODES[index] ?? `n${index + 1}`;
  const ns = await lab.namespace(name);
  const v4 = `198.51.100.${11 + index}`;
  const link = await lab.link(ns, lan, { ifname: 'eth0', addrs: [`${v4}/24`, `2001:db8:300::${11 + index}/64`] });
  // The VIPs are local on every node (so whoever owns them can serve), but the kernel
  // must not answer for them: arp_ignore=1 answers only for addresses on the asking
  // interface, arp_announce=2 never sources ARP from the VIP; IPv6 NS for an address
  // on lo is not answered on eth0 by the kernel at all.
  await ns.sysctls({ 'net.ipv4.conf.all.arp_ignore': 1, 'net.ipv4.conf.all.arp_announce': 2 });
  await ns.ip(['addr', 'add', `${VIP4}/32`, 'dev', 'lo']);
  await ns.ip(['-6', 'addr', 'add', `${VIP6}/128`, 'dev', 'lo']);
  const v6 = `2001:db8:300::${11 + index}`;
  return { name, ns, link, mac: await link.mac(), v4, v6, control: join(lab.dir, `${name}.ctl`) };
}

/**
 * L2_LAB_NICE=-10 runs speakers and the measuring client at that nice level: the lab's
 * stand-in for a speaker Pod with a CPU request on a busy node. `nice` execs in place,
 * so the PID is still the program's own.
 */
function niced(args: string[]): [string, string[]] {
  const nice = process.env.L2_LAB_NICE;
  return nice ? ['nice', ['-n', nice, process.execPath, ...args]] : [process.execPath, args];
}

/** Starts (or restarts) a node's speaker; by default both VIPs with every node as candidate. */
export function startWorker(node: LabNode, all: readonly LabNode[], extra: Partial<FailoverWorkerConfig> = {}): LabProcess {
  const config: FailoverWorkerConfig = {
    node: node.name,
    key: KEY,
    port: LIVENESS_PORT,
    bindAddress: node.v4,
    ifname: 'eth0',
    peers: all.filter((n) => n !== node).map((n) => ({ node: n.name, address: n.v4 })),
    ...(extra.services ? {} : { vips: [VIP4, VIP6], candidates: all.map((n) => ({ node: n.name, weight: 0 })) }),
    httpPort: HTTP_PORT,
    control: node.control,
    ...extra,
  };
  node.worker = node.ns.spawn(...niced([script('failover-worker.ts'), JSON.stringify(config)]), { name: 'speaker' });
  return node.worker;
}

export function startClient(client: Netns, urls = [`http://${VIP4}:${HTTP_PORT}/`, `http://[${VIP6}]:${HTTP_PORT}/`]): LabProcess {
  return client.spawn(...niced([script('vip-client.ts'), JSON.stringify({ urls, intervalMs: 50, timeoutMs: 200 })]), { name: 'client' });
}

export function startForger(client: Netns, impersonate: string, nodes: readonly LabNode[]): LabProcess {
  const config = { impersonate, key: randomBytes(32).toString('hex'), port: LIVENESS_PORT, targets: nodes.map((n) => n.v4) };
  return client.spawn(process.execPath, [script('forged-heartbeats.ts'), JSON.stringify(config)], { name: 'forger' });
}

/** Distinct MACs that answered one ARP request for VIP4 and one NS for VIP6 from the client. */
export async function probeNeighbors(client: Netns): Promise<{ arp: string[]; ndp: string[] }> {
  const config = { ifname: 'eth0', source4: CLIENT.v4, vip4: VIP4, source6: CLIENT.v6, vip6: VIP6, listenMs: 500 };
  const { stdout } = await client.exec(process.execPath, [script('neighbor-probe.ts'), JSON.stringify(config)]);
  const seen = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { arp: string[]; ndp: string[] };
  // The client's own kernel may ask at the same time; its answers carry the same MAC.
  return { arp: [...new Set(seen.arp)], ndp: [...new Set(seen.ndp)] };
}

export interface ClientResult {
  url: string;
  t: number;
  end: number;
  ok: boolean;
  body: string;
}

/** First successful request to url served by `by` that started after `since`. */
export function firstServed(client: LabProcess, url: string, by: string, since: number): ClientResult | undefined {
  return (jsonLines(client) as unknown as ClientResult[]).find((r) => r.url === url && r.ok && r.body === by && r.t >= since);
}

/** One request on a worker's control channel: new Services (endpoints moved) and/or a report. */
export function control(node: LabNode, request: { services?: WorkerService[]; report?: boolean }): Promise<WorkerReport> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(node.control);
    let answer = '';
    socket.setTimeout(5_000, () => socket.destroy(new Error(`control ${node.name}: no answer`)));
    socket.on('connect', () => socket.write(JSON.stringify(request) + '\n'));
    socket.setEncoding('utf8').on('data', (d: string) => (answer += d));
    socket.on('end', () => {
      try {
        resolve(JSON.parse(answer) as WorkerReport);
      } catch (err) {
        reject(new Error(`control ${node.name}: ${answer}`, { cause: err }));
      }
    });
    socket.on('error', reject);
  });
}

/** Latest 'owned' line of a node's worker. */
export function lastOwned(node: LabNode): { owned: string[]; live: string[] } | undefined {
  return node.worker ? (jsonLines(node.worker).findLast((m) => m.event === 'owned') as { owned: string[]; live: string[] } | undefined) : undefined;
}

/** Gratuitous ARP / unsolicited NA seen from the client, one JSON line each: { ip, mac, t }. */
export function startAnnouncementWatch(client: Netns): LabProcess {
  return client.spawn(...niced([script('announcement-watch.ts'), JSON.stringify({ ifname: 'eth0' })]), { name: 'announcements' });
}

export interface SeenAnnouncement {
  event: 'announcement';
  ip: string;
  mac: string;
  t: number;
}

export function announcementsSeen(watch: LabProcess, ip: string, since = 0): SeenAnnouncement[] {
  return (jsonLines(watch) as unknown as SeenAnnouncement[]).filter((a) => a.event === 'announcement' && a.ip === ip && a.t >= since);
}

/** Sends raw Ethernet frames (hex) out of the client's eth0, the way a broken or hostile host might. */
export async function sendFrames(client: Netns, frames: readonly string[]): Promise<void> {
  await client.exec(process.execPath, [script('frame-sender.ts'), JSON.stringify({ ifname: 'eth0', frames })]);
}

/** Heartbeats that must all be dropped: wrong key, unknown node, wrong source, garbage. */
export async function sendBadHeartbeats(from: Netns, impersonate: string, nodes: readonly LabNode[]): Promise<void> {
  const config = { impersonate, key: KEY, port: LIVENESS_PORT, targets: nodes.map((n) => n.v4) };
  await from.exec(process.execPath, [script('heartbeat-intruder.ts'), JSON.stringify(config)]);
}

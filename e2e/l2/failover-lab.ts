// The L2 failover lab over the lab builder: three speaker nodes and a client on one switch,
// both VIPs on each node's lo (the builder keeps its kernel from answering ARP/NDP for
// them), and the workers, clients and probes the L2 tests run in it (bench/l2.ts takes the
// client and the announcement watch).
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildLab, type LabNode } from '../lab/builder.ts';
import type { Lab, LabProcess, Netns } from '../netns/index.ts';
import type { FailoverWorkerConfig, WorkerReport, WorkerService } from './failover-worker.ts';

const script = (name: string) => fileURLToPath(new URL(`./${name}`, import.meta.url));

export const VIP4 = '198.51.100.100';
export const VIP6 = '2001:db8:300::100';
export const HTTP_PORT = 8080;
export const LIVENESS_PORT = 7946;
export const KEY = randomBytes(32).toString('hex');
export const NODES = ['n1', 'n2', 'n3'] as const;
export const CLIENT = { v4: '198.51.100.1', v6: '2001:db8:300::1' };

/** A node of the dual-stack segment; `speaker` is its failover worker, `control` the worker's Unix socket. */
export interface L2Node extends LabNode<LabProcess> {
  v6: string;
  control: string;
}

/** Nodes n1–n3 at .11–.13 and the client at .1 (CLIENT), IPv4 and IPv6. */
export async function l2Lab(lab: Lab): Promise<{ nodes: L2Node[]; client: Netns }> {
  const { nodes, clients } = await buildLab<LabProcess, 'client'>(lab, {
    lan: { v4: '198.51.100.0/24', v6: '2001:db8:300::/64' },
    nodes: {
      count: NODES.length,
      first: 11,
      name: (i) => NODES[i] ?? `n${i + 1}`,
      vips: [`${VIP4}/32`, `${VIP6}/128`],
      setup: async (node) => void Object.assign(node, { control: join(lab.dir, `${node.name}.ctl`) }),
    },
    clients: { client: { host: 1 } },
  });
  return { nodes: nodes as L2Node[], client: clients.client.ns };
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
export function startWorker(node: L2Node, all: readonly L2Node[], extra: Partial<FailoverWorkerConfig> = {}): LabProcess {
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
  node.speaker = node.ns.spawn(...niced([script('failover-worker.ts'), JSON.stringify(config)]), { name: 'speaker' });
  return node.speaker;
}

export function startClient(client: Netns, urls = [`http://${VIP4}:${HTTP_PORT}/`, `http://[${VIP6}]:${HTTP_PORT}/`]): LabProcess {
  return client.spawn(...niced([script('vip-client.ts'), JSON.stringify({ urls, intervalMs: 50, timeoutMs: 200 })]), { name: 'client' });
}

export function startForger(client: Netns, impersonate: string, nodes: readonly L2Node[]): LabProcess {
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

/** First successful request to url served by `by` (the body, less a trailing newline) that started after `since`. */
export function firstServed(client: LabProcess, url: string, by: string, since: number): ClientResult | undefined {
  return client.jsonLines<ClientResult>().find((r) => r.url === url && r.ok && r.body.trimEnd() === by && r.t >= since);
}

/** One request on a worker's control channel: new Services (endpoints moved) and/or a report. */
export function control(node: L2Node, request: { services?: WorkerService[]; report?: boolean }): Promise<WorkerReport> {
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
export function lastOwned(node: L2Node): { owned: string[]; live: string[] } | undefined {
  return node.speaker?.jsonLines().findLast((m) => m.event === 'owned') as { owned: string[]; live: string[] } | undefined;
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
  return watch.jsonLines<SeenAnnouncement>().filter((a) => a.event === 'announcement' && a.ip === ip && a.t >= since);
}

/** Sends raw Ethernet frames (hex) out of the client's eth0, the way a broken or hostile host might. */
export async function sendFrames(client: Netns, frames: readonly string[]): Promise<void> {
  await client.exec(process.execPath, [script('frame-sender.ts'), JSON.stringify({ ifname: 'eth0', frames })]);
}

/** Heartbeats that must all be dropped: wrong key, unknown node, wrong source, garbage. */
export async function sendBadHeartbeats(from: Netns, impersonate: string, nodes: readonly L2Node[]): Promise<void> {
  const config = { impersonate, key: KEY, port: LIVENESS_PORT, targets: nodes.map((n) => n.v4) };
  await from.exec(process.execPath, [script('heartbeat-intruder.ts'), JSON.stringify(config)]);
}

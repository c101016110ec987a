// What a client on an L2 lab segment runs against the speakers (the netns tests and
// bench/l2.ts): HTTP requests to the VIPs, a watch for gratuitous ARP / unsolicited NA, a
// one-shot ARP + NS probe, raw frames, and heartbeats every speaker must drop.
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { LabProcess, Netns } from '../netns/index.ts';
import type { AnswerProbeConfig, ProbeRecord } from './answer-probe.ts';
import { answerStats, type AnswerStats } from './answer-stats.ts';

const script = (name: string) => fileURLToPath(new URL(`./${name}`, import.meta.url));

/** The speakers' default --liveness-port. */
export const LIVENESS_PORT = 7946;

/**
 * L2_LAB_NICE=-10 runs the measuring client at that nice level, as the speakers are: on a
 * busy 2-core host an un-niced client's own lag shows up as failover time. `nice` execs in
 * place, so the PID is still the program's own.
 */
function niced(args: string[]): [string, string[]] {
  const nice = process.env.L2_LAB_NICE;
  return nice ? ['nice', ['-n', nice, process.execPath, ...args]] : [process.execPath, args];
}

/** Every 50 ms, one fresh HTTP request to each URL (200 ms timeout); one JSON line (ClientResult) per attempt. */
export function startClient(client: Netns, urls: readonly string[]): LabProcess {
  return client.spawn(...niced([script('vip-client.ts'), JSON.stringify({ urls, intervalMs: 50, timeoutMs: 200 })]), { name: 'client' });
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

/** The client's kernel's neighbor entry (MAC) for ip, if it has one. */
export async function neighborMac(client: Netns, ip: string): Promise<string | undefined> {
  return (await client.neighbors(ip.includes(':') ? 6 : 4)).find((n) => n.dst === ip && n.lladdr)?.lladdr;
}

/** Sends raw Ethernet frames (hex) out of the client's eth0, the way a broken or hostile host might. */
export async function sendFrames(client: Netns, frames: readonly string[]): Promise<void> {
  await client.exec(process.execPath, [script('frame-sender.ts'), JSON.stringify({ ifname: 'eth0', frames })]);
}

/** Where heartbeats go: the speakers' liveness port on each node's address; `key` is the cluster's liveness key, hex. */
export interface HeartbeatTargets {
  key: string;
  targets: readonly string[];
  port?: number;
}

/** Heartbeats that must all be dropped, 3 rounds: wrong key, unknown node, wrong source (in `impersonate`'s name), garbage. */
export async function sendBadHeartbeats(from: Netns, impersonate: string, to: HeartbeatTargets): Promise<void> {
  const config = { impersonate, key: to.key, port: to.port ?? LIVENESS_PORT, targets: to.targets };
  await from.exec(process.execPath, [script('heartbeat-intruder.ts'), JSON.stringify(config)]);
}

/** Heartbeats in `impersonate`'s name signed with a random key, every 50 ms until stopped. */
export function startForger(from: Netns, impersonate: string, targets: readonly string[], port = LIVENESS_PORT): LabProcess {
  const config = { impersonate, key: randomBytes(32).toString('hex'), port, targets };
  return from.spawn(process.execPath, [script('forged-heartbeats.ts'), JSON.stringify(config)], { name: 'forger' });
}

/** The continuous ARP + NS probe (answer-probe.ts) and what it saw. */
export interface AnswerProbe {
  process: LabProcess;
  /** Per family over probes sent in [from, to]; `to` defaults to now less one reply window. */
  stats(from: number, to?: number): { v4: AnswerStats; v6: AnswerStats };
}

export function startAnswerProbe(client: Netns, config: Omit<AnswerProbeConfig, 'ifname'>): AnswerProbe {
  const proc = client.spawn(...niced([script('answer-probe.ts'), JSON.stringify({ ifname: 'eth0', ...config } satisfies AnswerProbeConfig)]), { name: 'probe' });
  return {
    process: proc,
    stats(from, to = Date.now() - 300) {
      const all = proc.jsonLines<ProbeRecord>().filter((r) => r.p === 'probe');
      return { v4: answerStats(all, 4, from, to), v6: answerStats(all, 6, from, to) };
    },
  };
}

/** One line per family for diagnostics. */
export function describeAnswers(s: { v4: AnswerStats; v6: AnswerStats }): string {
  const line = (x: AnswerStats) => `${x.probes} probes, ${x.twoMacs} with two MACs, ${x.unanswered} unanswered, longest gap ${x.maxGapMs} ms, by MAC ${JSON.stringify(x.byMac)}`;
  return `IPv4 ${line(s.v4)}; IPv6 ${line(s.v6)}`;
}

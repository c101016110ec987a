// One speaker node for the speaker/l2 netns tests and bench/l2.ts, run inside a node
// namespace: a LivenessMesh on the segment, per-IP ownership over the live set (shared
// IPs merged, per-interface liveness), an L2Responder, and an HTTP server that answers
// with the node name (the VIPs sit on lo). Config is JSON in argv[2]; prints JSON lines
// on stdout; SIGTERM stops it cleanly. A Unix socket (`control`) takes one JSON request
// per connection: { services } replaces the Service list (e.g. endpoints moved),
// { report: true } answers with counters, owned IPs and the live set.
import { rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { DEFAULT_LIVENESS } from '../../speaker/liveness/liveness-fsm.ts';
import { LivenessMesh } from '../../speaker/liveness/mesh.ts';
import { settleClaims } from '../../speaker/l2/conflict.ts';
import type { L2Counters } from '../../speaker/l2/l2-stats.ts';
import { mergeSharedIps, ownedIPs, type AnnouncedIp, type OwnerCandidate } from '../../speaker/l2/ownership.ts';
import { L2Responder } from '../../speaker/l2/responder.ts';

/** A Service as the worker sees it: its IP and the nodes eligible for it (Local: with an endpoint). */
export interface WorkerService {
  name: string;
  ip: string;
  nodes: string[];
  /** Preferred-node weights; default 0. */
  weights?: Record<string, number>;
}

export interface FailoverWorkerConfig {
  node: string;
  /** Shared heartbeat key, hex. */
  key: string;
  port: number;
  bindAddress: string;
  ifname: string;
  peers: { node: string; address: string }[];
  /** Either services, or vips with one candidate list for all of them. */
  services?: WorkerService[];
  vips?: string[];
  candidates?: OwnerCandidate[];
  httpPort: number;
  /** Unix socket path for control requests. */
  control?: string;
  timeoutMs?: number;
  intervalMs?: number;
}

export interface WorkerReport {
  owned: string[];
  live: string[];
  mesh: ReturnType<LivenessMesh['stats']>;
  l2: Record<string, number>;
}

const config = JSON.parse(process.argv[2] ?? '{}') as FailoverWorkerConfig;
const say = (event: string, fields: Record<string, unknown> = {}) =>
  process.stdout.write(JSON.stringify({ event, node: config.node, t: Date.now(), ...fields }) + '\n');

let services: WorkerService[] =
  config.services ?? (config.vips ?? []).map((ip) => ({ name: ip, ip, nodes: (config.candidates ?? []).map((c) => c.node), weights: Object.fromEntries((config.candidates ?? []).map((c) => [c.node, c.weight])) }));

function entries(): AnnouncedIp[] {
  return services.map((s) => ({ ip: s.ip, candidates: s.nodes.map((node) => ({ node, weight: s.weights?.[node] ?? 0 })), interfaces: [config.ifname] }));
}

/** Counts every L2 event by kind (and ignored frames by reason) for { report }. */
class TallyCounters implements L2Counters {
  readonly tally: Record<string, number> = {};
  #add(key: string): void {
    this.tally[key] = (this.tally[key] ?? 0) + 1;
  }
  requestReceived = () => this.#add('requests');
  responseSent = () => this.#add('responses');
  gratuitousSent = () => this.#add('gratuitous');
  ignored = (reason: string) => this.#add(`ignored:${reason}`);
  conflict = (_ip: string, outcome: string) => this.#add(`conflict:${outcome}`);
}
const counters = new TallyCounters();

const responder = new L2Responder({
  interfaces: [config.ifname],
  counters,
  onAnnounceFailed: (ifname, reason) => say('announce-failed', { ifname, reason }),
  onClaim: ({ ip, mac }) => say('claim', { ip, mac, outcome: 'reassert' }),
  onHeartbeatFrame: (payload, mac) => mesh.receiveFrame(payload, mac),
  onLinksChanged: (links) => {
    say('links', { links });
    recompute();
  },
});
const mesh = new LivenessMesh({
  node: config.node,
  key: Buffer.from(config.key, 'hex'),
  port: config.port,
  bindAddress: config.bindAddress,
  peers: config.peers,
  ...(config.timeoutMs ? { timeoutMs: config.timeoutMs } : {}),
  ...(config.intervalMs ? { intervalMs: config.intervalMs } : {}),
  links: () => responder.linkStates(),
  claims: () => responder.owned().sort(),
  sendFrame: (wire) => responder.sendHeartbeat(wire),
});

let started = false;
let last = '';
function recompute(): void {
  if (!started) return;
  const live = mesh.liveSet();
  const peerLinks = mesh.peerLinks();
  const linksOf = (n: string) => (n === config.node ? responder.linkStates() : peerLinks.get(n));
  const owned = ownedIPs(config.node, entries(), live, linksOf);
  const before = responder.owned().sort().join();
  // The speaker's claim rule (speaker/runtime/l2-announcer.ts): never take an IP a heard peer still answers.
  const settled = settleClaims({
    self: config.node,
    owned,
    answering: new Set(responder.owned()),
    claims: mesh.peerClaims(),
    candidatesOf: (ip) => mergeSharedIps(entries()).find((e) => e.ip === ip)?.candidates ?? [],
  });
  for (const { ip, to } of settled.yielded) say('claim', { ip, claimant: to, outcome: 'yield' });
  responder.setOwned(settled.answer);
  if (responder.owned().sort().join() !== before) mesh.announceNow();
  const state = JSON.stringify({ owned: responder.owned().sort(), live: [...live].sort() });
  if (state !== last) say('owned', JSON.parse(state) as Record<string, unknown>);
  last = state;
}

function report(): WorkerReport {
  return { owned: responder.owned().sort(), live: [...mesh.liveSet()].sort(), mesh: mesh.stats(), l2: { ...counters.tally } };
}

// Our own event-loop stalls (CPU starvation), logged so false deaths can be explained.
let tickAt = Date.now();
setInterval(() => {
  const lag = Date.now() - tickAt - 20;
  tickAt = Date.now();
  if (lag > 100) say('stall', { lagMs: lag });
}, 20).unref();

let lastDropReport = 0;
mesh.on('alive', (node) => (say('alive', { peer: node }), recompute()));
mesh.on('links', (node, links) => (say('peer-links', { peer: node, links }), recompute()));
mesh.on('claims', () => recompute());
mesh.on('dead', (node) => {
  say('dead', { peer: node, lagMs: mesh.stats().maxTimerLagMs });
  recompute();
});
mesh.on('dropped', () => {
  if (Date.now() - lastDropReport < 200) return;
  lastDropReport = Date.now();
  say('dropped', { dropped: mesh.stats().dropped });
});

function serveControl(path: string): net.Server {
  rmSync(path, { force: true });
  const server = net.createServer((socket) => {
    let buf = '';
    socket.setEncoding('utf8').on('data', (d: string) => {
      buf += d;
      if (!buf.includes('\n')) return;
      let answer: unknown;
      try {
        const req = JSON.parse(buf.slice(0, buf.indexOf('\n'))) as { services?: WorkerService[]; report?: boolean };
        if (req.services) {
          services = req.services;
          say('services', { services });
          recompute();
        }
        answer = report();
      } catch (err) {
        answer = { error: (err as Error).message };
      }
      socket.end(JSON.stringify(answer) + '\n');
    });
    socket.on('error', () => undefined);
  });
  server.listen(path);
  return server;
}

const server = http.createServer((_req, res) => res.end(config.node));
await new Promise<void>((resolve) => server.listen({ host: '::', port: config.httpPort, ipv6Only: false }, resolve));
const control = config.control ? serveControl(config.control) : undefined;
await responder.start();
await mesh.start();
say('ready', { links: responder.links() });
// Hear the peers for one timeout before claiming anything, so a (re)start does not flap.
setTimeout(() => {
  started = true;
  recompute();
}, config.timeoutMs ?? DEFAULT_LIVENESS.timeoutMs);

process.once('SIGTERM', () => {
  mesh.close();
  responder.close();
  server.close();
  control?.close();
  say('stopped', report() as unknown as Record<string, unknown>);
  process.exit(0);
});

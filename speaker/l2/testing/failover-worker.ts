// One speaker node for failover.netns.test.ts, run inside a node namespace: a
// LivenessMesh on the segment, ownership over the live set, an L2Responder for the VIPs,
// and an HTTP server that answers with the node name (the VIPs sit on lo).
// Config is JSON in argv[2]; prints JSON lines on stdout; SIGTERM stops it cleanly.
import http from 'node:http';
import { LivenessMesh } from '../../liveness/mesh.ts';
import { nodeByMac, resolveClaim } from '../conflict.ts';
import { ownedIPs, type OwnerCandidate } from '../ownership.ts';
import { L2Responder } from '../responder.ts';

export interface FailoverWorkerConfig {
  node: string;
  /** Shared heartbeat key, hex. */
  key: string;
  port: number;
  bindAddress: string;
  ifname: string;
  peers: { node: string; address: string }[];
  vips: string[];
  candidates: OwnerCandidate[];
  httpPort: number;
  timeoutMs?: number;
  intervalMs?: number;
}

const config = JSON.parse(process.argv[2] ?? '{}') as FailoverWorkerConfig;
const say = (event: string, fields: Record<string, unknown> = {}) =>
  process.stdout.write(JSON.stringify({ event, node: config.node, t: Date.now(), ...fields }) + '\n');

const responder = new L2Responder({
  interfaces: [config.ifname],
  onAnnounceFailed: (ifname, reason) => say('announce-failed', { ifname, reason }),
  onClaim: ({ ip, mac }) => {
    const claimant = nodeByMac(mesh.peerLinks(), mac);
    const outcome = resolveClaim({ ip, self: config.node, claimant, candidates: config.candidates });
    say('claim', { ip, mac, claimant, outcome });
    return outcome;
  },
});
const mesh = new LivenessMesh({
  node: config.node,
  key: Buffer.from(config.key, 'hex'),
  port: config.port,
  bindAddress: config.bindAddress,
  peers: config.peers,
  timeoutMs: config.timeoutMs ?? 400,
  intervalMs: config.intervalMs ?? 100,
  links: () => responder.links(),
});

let started = false;
let last = '';
function recompute(): void {
  if (!started) return;
  const live = mesh.liveSet();
  const owned = ownedIPs(config.node, config.vips.map((ip) => ({ ip, candidates: config.candidates })), live);
  responder.setOwned(owned);
  const state = JSON.stringify({ owned: responder.owned().sort(), live: [...live].sort() });
  if (state !== last) say('owned', JSON.parse(state) as Record<string, unknown>);
  last = state;
}

let lastDropReport = 0;
mesh.on('alive', (node) => (say('alive', { peer: node }), recompute()));
mesh.on('dead', (node) => {
  say('dead', { peer: node });
  responder.clearYields();
  recompute();
});
mesh.on('dropped', () => {
  if (Date.now() - lastDropReport < 200) return;
  lastDropReport = Date.now();
  say('dropped', { dropped: mesh.stats().dropped });
});

const server = http.createServer((_req, res) => res.end(config.node));
await new Promise<void>((resolve) => server.listen({ host: '::', port: config.httpPort, ipv6Only: false }, resolve));
await responder.start();
await mesh.start();
say('ready', { links: responder.links() });
// Hear the peers for one timeout before claiming anything, so a (re)start does not flap.
setTimeout(() => {
  started = true;
  recompute();
}, config.timeoutMs ?? 400);

process.once('SIGTERM', () => {
  mesh.close();
  responder.close();
  server.close();
  say('stopped');
  process.exit(0);
});

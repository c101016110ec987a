// A BGP speaker process for interop tests: runs BgpPeerManager inside a lab namespace.
//   node speaker-worker.ts <config.json> [<command fifo>]
// Reads WorkerConfig from the file, WorkerCommand JSON lines from the fifo (or stdin), and
// prints WorkerEvent JSON lines (`ev`) next to the speaker's own pino log lines (`event`).
import { openSync, readFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { createLogger } from '../../lib/log/index.ts';
import { BfdManager } from '../../speaker/bfd/manager.ts';
import { BgpListener } from '../../speaker/bgp/listener.ts';
import { BgpStats } from '../../speaker/bgp/metrics.ts';
import { BgpPeerManager } from '../../speaker/bgp/peers.ts';
import { toBgpPeer, toRoute } from './worker-protocol.ts';
import type { WorkerCommand, WorkerConfig, WorkerEvent } from './worker-protocol.ts';

const [configFile, commandFile] = process.argv.slice(2);
if (!configFile) {
  process.stderr.write('usage: speaker-worker.ts <config.json> [<command fifo>]\n');
  process.exit(2);
}
const config = JSON.parse(readFileSync(configFile, 'utf8')) as WorkerConfig;
const logger = createLogger({ component: 'bgp', level: 'debug' });
const print = (e: WorkerEvent): void => void process.stdout.write(`${JSON.stringify(e)}\n`);

const listener = config.listenPort === undefined ? undefined : new BgpListener({ port: config.listenPort, logger });
await listener?.start();
const bfd = config.bfd ? new BfdManager({ logger }) : undefined;
const manager = new BgpPeerManager({
  logger,
  stats: new BgpStats(),
  ...(listener ? { listener } : {}),
  ...(config.defaults ? { defaults: config.defaults } : {}),
  ...(bfd ? { bfd } : {}),
});
manager.on('bfdStateChange', (peer, c) => print({ ev: 'bfd', peer, from: c.from, to: c.to, diag: c.diag, at: Date.now() }));
manager.on('sessionUp', (peer, s) => print({ ev: 'up', peer, peerAs: s.peerAs, at: Date.now() }));
manager.on('sessionDown', (peer, reason) => print({ ev: 'down', peer, reason, at: Date.now() }));
manager.on('connectFailed', (peer, f) => print({ ev: 'connectFailed', peer, outcome: f.outcome, hint: f.hint, at: Date.now() }));
manager.on('notification', (peer, n) => print({ ev: 'notification', peer, direction: n.direction, code: n.code, subcode: n.subcode, at: Date.now() }));

for (const [peer, routes] of Object.entries(config.routes ?? {})) manager.setRoutes(peer, routes.map(toRoute));
manager.setPeers(config.peers.map(toBgpPeer), config.node);

function apply(cmd: WorkerCommand): void {
  switch (cmd.op) {
    case 'routes':
      manager.setRoutes(cmd.peer, cmd.routes.map(toRoute));
      break;
    case 'peers':
      manager.setPeers(cmd.peers.map(toBgpPeer), config.node);
      break;
    case 'status':
      print({ ev: 'status', sessions: manager.sessions() });
      break;
  }
}

// A fifo opened read-write never blocks the open and never reads EOF when the test closes its end.
// Read through a pipe handle (epoll), not fs: a blocked fs read of a fifo holds a libuv pool
// thread, and process.exit() then hangs joining it.
const input = commandFile ? new Socket({ fd: openSync(commandFile, 'r+'), readable: true, writable: false }) : process.stdin;
createInterface({ input }).on('line', (line) => {
  if (!line.trim()) return;
  try {
    apply(JSON.parse(line) as WorkerCommand);
  } catch (err) {
    logger.error('worker_bad_command', { err, line });
  }
});

async function stopSpeaker(signal: string): Promise<void> {
  if (signal === 'SIGTERM' && typeof config.onSigterm === 'number') {
    await manager.gracefulShutdown(config.onSigterm);
  } else {
    manager.stop();
  }
  print({ ev: 'stopped', how: String(config.onSigterm ?? 'stop'), at: Date.now() });
  await bfd?.close();
  void listener?.close();
  setTimeout(() => process.exit(0), 200).unref();
}
let stopping = false;
const shutdown = (signal: string): void => {
  if (stopping) return;
  stopping = true;
  void stopSpeaker(signal);
};
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
print({ ev: 'ready', pid: process.pid });

// A BGP speaker process for interop tests: runs BgpPeerManager inside a lab namespace.
//   node speaker-worker.ts <config.json> [<command fifo>]
// Reads WorkerConfig from the file, WorkerCommand JSON lines from the fifo (or stdin), and
// prints WorkerEvent JSON lines (`ev`) next to the speaker's own pino log lines (`event`).
import { openSync, readFileSync } from 'node:fs';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createLogger } from '../../../lib/log/index.ts';
import { BgpListener } from '../listener.ts';
import { BgpStats } from '../metrics.ts';
import { BgpPeerManager } from '../peers.ts';
import { hostRoutes, toBgpPeer, toRoute } from './worker-protocol.ts';
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
const manager = new BgpPeerManager({ logger, stats: new BgpStats(), ...(listener ? { listener } : {}), ...(config.defaults ? { defaults: config.defaults } : {}) });
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
    case 'bulk':
      manager.setRoutes(cmd.peer, hostRoutes(cmd.first, cmd.count));
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
const input = commandFile ? createReadStream('', { fd: openSync(commandFile, 'r+') }) : process.stdin;
createInterface({ input }).on('line', (line) => {
  if (!line.trim()) return;
  try {
    apply(JSON.parse(line) as WorkerCommand);
  } catch (err) {
    logger.error('worker_bad_command', { err, line });
  }
});

const shutdown = (): void => {
  manager.stop();
  void listener?.close();
  setTimeout(() => process.exit(0), 200).unref();
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
print({ ev: 'ready', pid: process.pid });

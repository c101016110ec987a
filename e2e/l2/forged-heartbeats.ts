// A stranger for failover.netns.test.ts: sends heartbeats in a speaker's name, signed
// with the wrong key, to every node, every 50 ms. None may count, so the node it
// impersonates still goes dead when it dies.
import dgram from 'node:dgram';
import { encodeHeartbeat } from '../../speaker/liveness/heartbeat.ts';

const { impersonate, key, port, targets } = JSON.parse(process.argv[2] ?? '{}') as { impersonate: string; key: string; port: number; targets: string[] };
const socket = dgram.createSocket('udp4');
let seq = 1_000_000;
setInterval(() => {
  const wire = encodeHeartbeat({ node: impersonate, incarnation: 'forged', seq: seq++, sentAt: Date.now(), links: [] }, Buffer.from(key, 'hex'));
  for (const target of targets) socket.send(wire, port, target);
}, 50);
process.once('SIGTERM', () => process.exit(0));

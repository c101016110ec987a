// Sends heartbeats every speaker must drop, a few of each kind, to every node: signed with
// the wrong key in a speaker's name, signed with the right key for a node nobody watches
// or from an address that is not the named node's, and plain garbage. Then exits.
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { encodeHeartbeat } from '../../speaker/liveness/heartbeat.ts';

const { impersonate, key, port, targets } = JSON.parse(process.argv[2] ?? '{}') as { impersonate: string; key: string; port: number; targets: string[] };
const socket = dgram.createSocket('udp4');
const sign = (node: string, k: Uint8Array, seq: number) => encodeHeartbeat({ node, incarnation: 'intruder', seq, sentAt: Date.now(), links: [] }, k);
const datagrams = [
  sign(impersonate, randomBytes(32), 1),
  sign('stranger', Buffer.from(key, 'hex'), 2),
  sign(impersonate, Buffer.from(key, 'hex'), 3_000_000),
  randomBytes(8),
  Buffer.concat([Buffer.from('PSHB'), randomBytes(200)]),
];
for (let round = 0; round < 3; round++) {
  for (const target of targets) for (const d of datagrams) await new Promise((r) => socket.send(d, port, target, r));
}
socket.close();
process.stdout.write(JSON.stringify({ sent: datagrams.length * targets.length * 3 }) + '\n');

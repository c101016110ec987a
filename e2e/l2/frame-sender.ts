// Sends the given raw Ethernet frames (hex) out of one interface through an AF_PACKET
// socket, then exits: garbage, truncated and hostile frames for the bad-input tests.
import { openPacketSocket } from '../../native/index.ts';
import { readInterfaceInfo } from '../../speaker/l2/interface-info.ts';

const { ifname, frames } = JSON.parse(process.argv[2] ?? '{}') as { ifname: string; frames: string[] };
const link = await readInterfaceInfo(ifname);
if (!link) throw new Error(`no interface ${ifname}`);
const socket = openPacketSocket({ ifindex: link.ifindex, onFrame: () => undefined, onError: () => undefined });
let sent = 0;
for (const hex of frames) {
  try {
    socket.send(Buffer.from(hex, 'hex'));
    sent++;
  } catch (err) {
    process.stderr.write(`send: ${(err as Error).message}\n`);
  }
}
socket.close();
process.stdout.write(JSON.stringify({ sent }) + '\n');

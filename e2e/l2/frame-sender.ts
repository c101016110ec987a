// Sends the given raw Ethernet frames (hex) out of one interface through an AF_PACKET
// socket, then exits: garbage, truncated, spoofed and hostile frames for the bad-input
// tests. With listenMs it then prints every ARP reply it saw (to any MAC) for that long.
import { openPacketSocket } from '../../native/index.ts';
import { decodeArpFrame } from '../../speaker/l2/arp.ts';
import { readInterfaceInfo } from '../../speaker/l2/interface-info.ts';

const { ifname, frames, listenMs = 0 } = JSON.parse(process.argv[2] ?? '{}') as { ifname: string; frames: string[]; listenMs?: number };
const link = await readInterfaceInfo(ifname);
if (!link) throw new Error(`no interface ${ifname}`);
const replies: { to: string; senderMac: string; senderIp: string; targetMac: string; targetIp: string; vlan?: number }[] = [];
const socket = openPacketSocket({
  ifindex: link.ifindex,
  onFrame: ({ data }) => {
    const got = decodeArpFrame(data);
    if (!got.ok || got.value.arp.operation !== 2) return;
    const { arp, ethernet } = got.value;
    replies.push({ to: ethernet.destination, senderMac: arp.senderMac, senderIp: arp.senderIp, targetMac: arp.targetMac, targetIp: arp.targetIp, ...(ethernet.vlan !== undefined ? { vlan: ethernet.vlan } : {}) });
  },
  onError: () => undefined,
});
let sent = 0;
for (const hex of frames) {
  try {
    socket.send(Buffer.from(hex, 'hex'));
    sent++;
  } catch (err) {
    process.stderr.write(`send: ${(err as Error).message}\n`);
  }
}
if (listenMs > 0) await new Promise((resolve) => setTimeout(resolve, listenMs));
socket.close();
process.stdout.write(JSON.stringify({ sent, replies }) + '\n');

// Sends `count` ARP requests and Neighbor Solicitations for the VIPs as fast as the socket
// takes them (half each, interleaved), the ARP ones from 256 rotating source MACs and sender
// IPs, then prints { sent, ms }. A flood for the liveness-under-load test; bounded, and
// only ever onto the lab's own segment.
import { openIcmp6Socket, openPacketSocket } from '../../native/index.ts';
import { ArpOperation, encodeArpFrame } from '../../speaker/l2/arp.ts';
import { readInterfaceInfo } from '../../speaker/l2/interface-info.ts';
import { encodeNeighborSolicitation, solicitedNodeMulticast } from '../../speaker/l2/ndp.ts';

const { ifname, vip4, vip6, source6, count } = JSON.parse(process.argv[2] ?? '{}') as { ifname: string; vip4: string; vip6: string; source6: string; count: number };
const link = await readInterfaceInfo(ifname);
if (!link) throw new Error(`no interface ${ifname}`);
const arp = openPacketSocket({ ifindex: link.ifindex, onFrame: () => undefined, onError: () => undefined });
const ndp = openIcmp6Socket({ ifindex: link.ifindex, icmpTypes: [136], onMessage: () => undefined, onError: () => undefined });
const group = solicitedNodeMulticast(vip6) ?? '';
const ns = encodeNeighborSolicitation({ target: vip6, sourceLinkLayer: link.mac });
const started = performance.now();
let sent = 0;
for (let i = 0; i < count; i++) {
  try {
    if (i % 2 === 0) {
      const mac = `02:fe:00:00:00:${(i >> 1 & 255).toString(16).padStart(2, '0')}`;
      arp.send(encodeArpFrame('ff:ff:ff:ff:ff:ff', mac, { operation: ArpOperation.Request, senderMac: mac, senderIp: `203.0.113.${(i >> 1) % 200 + 20}`, targetMac: '00:00:00:00:00:00', targetIp: vip4 }));
    } else {
      ndp.send({ destination: group, source: source6, message: ns });
    }
    sent++;
  } catch {
    // ENOBUFS: the queue is full; line rate is what it takes
  }
}
const ms = performance.now() - started;
arp.close();
ndp.close();
process.stdout.write(JSON.stringify({ sent, ms: Math.round(ms) }) + '\n');

// Sends `count` ARP requests and Neighbor Solicitations for the VIPs as fast as the sockets
// take them (half each, interleaved), cycling through `sources`: each ARP request from the
// source's MAC (Ethernet and ARP sender) and IPv4 address, each NS from its IPv6 address
// (which must be on the interface, nodad: the speakers' kernels resolve it for the answer)
// with its MAC as the source link-layer option. Prints { sent, ms }. A flood for the
// liveness-under-load test; bounded, and only ever onto the lab's own segment.
import { openIcmp6Socket, openPacketSocket } from '../../native/index.ts';
import { ArpOperation, encodeArpFrame } from '../../speaker/l2/arp.ts';
import { readInterfaceInfo } from '../../speaker/l2/interface-info.ts';
import { encodeNeighborSolicitation, solicitedNodeMulticast } from '../../speaker/l2/ndp.ts';

export interface FloodSource {
  mac: string;
  ip4: string;
  ip6: string;
}

const { ifname, vip4, vip6, sources, count } = JSON.parse(process.argv[2] ?? '{}') as { ifname: string; vip4: string; vip6: string; sources: FloodSource[]; count: number };
const link = await readInterfaceInfo(ifname);
if (!link) throw new Error(`no interface ${ifname}`);
if (sources.length === 0) throw new Error('no flood sources');
const arp = openPacketSocket({ ifindex: link.ifindex, onFrame: () => undefined, onError: () => undefined });
const ndp = openIcmp6Socket({ ifindex: link.ifindex, icmpTypes: [136], onMessage: () => undefined, onError: () => undefined });
const group = solicitedNodeMulticast(vip6) ?? '';
const frames = sources.map((s) => ({
  arp: encodeArpFrame('ff:ff:ff:ff:ff:ff', s.mac, { operation: ArpOperation.Request, senderMac: s.mac, senderIp: s.ip4, targetMac: '00:00:00:00:00:00', targetIp: vip4 }),
  ns: { destination: group, source: s.ip6, message: encodeNeighborSolicitation({ target: vip6, sourceLinkLayer: s.mac }) },
}));
const started = performance.now();
let sent = 0;
for (let i = 0; i < count; i++) {
  const f = frames[(i >> 1) % frames.length]!;
  try {
    if (i % 2 === 0) arp.send(f.arp);
    else ndp.send(f.ns);
    sent++;
  } catch {
    // ENOBUFS: the queue is full; line rate is what it takes
  }
}
const ms = performance.now() - started;
arp.close();
ndp.close();
process.stdout.write(JSON.stringify({ sent, ms: Math.round(ms) }) + '\n');

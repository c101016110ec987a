// Asks once, from the client namespace, who has the VIPs: one broadcast ARP request and
// one multicast Neighbor Solicitation, then lists every MAC that answered within listenMs.
// Exactly one per VIP means one speaker answers and the kernels stay quiet.
import { openIcmp6Socket, openPacketSocket } from '../../native/index.ts';
import { ArpOperation, decodeArpFrame, encodeArpFrame } from '../../speaker/l2/arp.ts';
import { readInterfaceInfo } from '../../speaker/l2/interface-info.ts';
import { decodeNeighborAdvertisement, encodeNeighborSolicitation, ICMPV6_NEIGHBOR_ADVERTISEMENT, solicitedNodeMulticast } from '../../speaker/l2/ndp.ts';

const { ifname, source4, vip4, source6, vip6, listenMs = 500 } = JSON.parse(process.argv[2] ?? '{}') as Record<string, string> & { listenMs?: number };
const link = await readInterfaceInfo(ifname ?? '');
if (!link) throw new Error(`no interface ${ifname}`);
const arpFrom: string[] = [];
const ndpFrom: string[] = [];

const arp = openPacketSocket({
  ifindex: link.ifindex,
  onFrame({ data }) {
    const got = decodeArpFrame(data);
    const answer = got.ok ? got.value.arp : undefined;
    // Only answers to our request: gratuitous replies (to broadcast) are not answers.
    if (answer?.operation === ArpOperation.Reply && answer.senderIp === vip4 && answer.targetMac === link.mac) arpFrom.push(answer.senderMac);
  },
});
const ndp = openIcmp6Socket({
  ifindex: link.ifindex,
  icmpTypes: [ICMPV6_NEIGHBOR_ADVERTISEMENT],
  onMessage(message) {
    const got = decodeNeighborAdvertisement(message.data, message);
    if (got.ok && got.value.solicited && got.value.target === vip6 && got.value.targetLinkLayer) ndpFrom.push(got.value.targetLinkLayer);
  },
});

arp.send(encodeArpFrame('ff:ff:ff:ff:ff:ff', link.mac, { operation: ArpOperation.Request, senderMac: link.mac, senderIp: source4 ?? '', targetMac: '00:00:00:00:00:00', targetIp: vip4 ?? '' }));
ndp.send({ destination: solicitedNodeMulticast(vip6 ?? '') ?? '', source: source6, message: encodeNeighborSolicitation({ target: vip6 ?? '', sourceLinkLayer: link.mac }) });
setTimeout(() => {
  arp.close();
  ndp.close();
  process.stdout.write(JSON.stringify({ arp: arpFrom, ndp: ndpFrom }) + '\n');
}, listenMs);

// Runs in the client namespace: prints one JSON line per gratuitous ARP (request or reply
// with sender IP = target IP) and per unsolicited Neighbor Advertisement it sees, with the
// announced IP and MAC, so a test can tell which node took an IP over and when.
import { openIcmp6Socket, openPacketSocket } from '../../native/index.ts';
import { decodeArpFrame } from '../../speaker/l2/arp.ts';
import { readInterfaceInfo } from '../../speaker/l2/interface-info.ts';
import { decodeNeighborAdvertisement, ICMPV6_NEIGHBOR_ADVERTISEMENT } from '../../speaker/l2/ndp.ts';

const { ifname } = JSON.parse(process.argv[2] ?? '{}') as { ifname: string };
const link = await readInterfaceInfo(ifname);
if (!link) throw new Error(`no interface ${ifname}`);
const say = (ip: string, mac: string, kind: string) => process.stdout.write(JSON.stringify({ event: 'announcement', ip, mac, kind, t: Date.now() }) + '\n');

openPacketSocket({
  ifindex: link.ifindex,
  onFrame({ data }) {
    const got = decodeArpFrame(data);
    if (got.ok && got.value.arp.senderIp === got.value.arp.targetIp) say(got.value.arp.senderIp, got.value.arp.senderMac, 'garp');
  },
  onError: () => undefined,
});
openIcmp6Socket({
  ifindex: link.ifindex,
  icmpTypes: [ICMPV6_NEIGHBOR_ADVERTISEMENT],
  onMessage(message) {
    const got = decodeNeighborAdvertisement(message.data, message);
    if (got.ok && !got.value.solicited && got.value.targetLinkLayer) say(got.value.target, got.value.targetLinkLayer, 'unsolicited-na');
  },
  onError: () => undefined,
});
process.stdout.write(JSON.stringify({ event: 'ready' }) + '\n');
process.once('SIGTERM', () => process.exit(0));

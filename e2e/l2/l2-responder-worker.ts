// Runs inside a network namespace for responder.netns.test.ts: answers ARP for one
// IPv4 address and NDP for one IPv6 address with a made-up MAC, through the native
// raw sockets and the speaker/l2 codecs. Prints JSON lines; exits on SIGTERM.
import { openIcmp6Socket, openPacketSocket } from '../../native/index.ts';
import { ArpOperation, arpReplyFor, decodeArpFrame } from '../../speaker/l2/arp.ts';
import { readInterfaceInfo } from '../../speaker/l2/interface-info.ts';
import { decodeNeighborSolicitation, neighborAdvertisementFor, solicitedNodeMulticast } from '../../speaker/l2/ndp.ts';

const [ifname = '', ipv4 = '', ipv6 = '', mac = ''] = process.argv.slice(2);
const say = (event: string, fields: Record<string, unknown> = {}) =>
  process.stdout.write(JSON.stringify({ event, ...fields }) + '\n');

const link = await readInterfaceInfo(ifname);
if (!link) throw new Error(`no interface ${ifname}`);

const arp = openPacketSocket({
  ifindex: link.ifindex,
  onFrame(frame) {
    const got = decodeArpFrame(frame.data);
    if (!got.ok) return say('arp-ignored', { reason: got.error.reason });
    const { arp: packet } = got.value;
    if (packet.operation !== ArpOperation.Request || packet.targetIp !== ipv4) return;
    arp.send(arpReplyFor(packet, mac));
    say('arp-replied', { to: packet.senderIp, frame: frame.data.toString('hex') });
  },
});

const ndp = openIcmp6Socket({
  ifindex: link.ifindex,
  onMessage(message) {
    const got = decodeNeighborSolicitation(message.data, message);
    if (!got.ok) return say('ns-ignored', { reason: got.error.reason, hopLimit: message.hopLimit });
    if (got.value.target !== ipv6) return;
    const answer = neighborAdvertisementFor(got.value, message, mac);
    ndp.send({ destination: answer.destination, message: answer.message });
    say('ns-answered', { to: answer.destination, from: message.source, icmp: message.data.toString('hex') });
  },
});
const group = solicitedNodeMulticast(ipv6);
if (!group) throw new Error(`not an IPv6 address: ${ipv6}`);
ndp.joinGroup(group);

const stop = () => {
  if (arp.closed) return;
  arp.close();
  ndp.close();
  say('stopped');
};
process.once('SIGTERM', stop);
say('ready', { ifindex: link.ifindex, group });

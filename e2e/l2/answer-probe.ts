// Asks, without end, who has the VIPs: one ARP request and one Neighbor Solicitation every
// 10–50 ms, each probe from its own source (ARP sender IP / IPv6 source from a pool), so
// every reply is matched to its probe and the answering MACs are counted. Prints one JSON
// line per probe once its window closed: { p: 'probe', f: 4|6, t: sentAt, m: [macs] }.
// The client's eth0 must own the IPv6 sources (nodad): the speakers' kernels resolve them.
import { openIcmp6Socket, openPacketSocket } from '../../native/index.ts';
import { ArpOperation, decodeArpFrame, encodeArpFrame } from '../../speaker/l2/arp.ts';
import { readInterfaceInfo } from '../../speaker/l2/interface-info.ts';
import { decodeNeighborAdvertisement, encodeNeighborSolicitation, ICMPV6_NEIGHBOR_ADVERTISEMENT, solicitedNodeMulticast } from '../../speaker/l2/ndp.ts';

export interface AnswerProbeConfig {
  ifname: string;
  vip4: string;
  vip6: string;
  /** ARP sender IPs, used in turn. */
  sources4: string[];
  /** IPv6 sources (on the client's eth0), used in turn. */
  sources6: string[];
  /** How long replies to one probe are counted. */
  windowMs?: number;
}

export interface ProbeRecord {
  p: 'probe';
  f: 4 | 6;
  t: number;
  m: string[];
}

const config = JSON.parse(process.argv[2] ?? '{}') as AnswerProbeConfig;
const windowMs = config.windowMs ?? 250;
const link = await readInterfaceInfo(config.ifname);
if (!link) throw new Error(`no interface ${config.ifname}`);
/** Open probes by source: when sent and the MACs that answered. */
const open4 = new Map<string, { t: number; macs: Set<string> }>();
const open6 = new Map<string, { t: number; macs: Set<string> }>();

const arp = openPacketSocket({
  ifindex: link.ifindex,
  onFrame({ data }) {
    const got = decodeArpFrame(data);
    const a = got.ok ? got.value.arp : undefined;
    if (a?.operation === ArpOperation.Reply && a.senderIp === config.vip4 && a.targetMac === link.mac) open4.get(a.targetIp)?.macs.add(a.senderMac);
  },
});
const ndp = openIcmp6Socket({
  ifindex: link.ifindex,
  icmpTypes: [ICMPV6_NEIGHBOR_ADVERTISEMENT],
  onMessage(message) {
    const got = decodeNeighborAdvertisement(message.data, message);
    if (got.ok && got.value.solicited && got.value.target === config.vip6 && got.value.targetLinkLayer) open6.get(message.destination)?.macs.add(got.value.targetLinkLayer);
  },
});

function close(family: 4 | 6, source: string): void {
  const open = family === 4 ? open4 : open6;
  const probe = open.get(source);
  if (!probe) return;
  open.delete(source);
  process.stdout.write(JSON.stringify({ p: 'probe', f: family, t: probe.t, m: [...probe.macs].sort() } satisfies ProbeRecord) + '\n');
}

let n = 0;
let stopped = false;
function probe(): void {
  if (stopped) return;
  const s4 = config.sources4[n % config.sources4.length] ?? '';
  const s6 = config.sources6[n % config.sources6.length] ?? '';
  n++;
  const t = Date.now();
  open4.set(s4, { t, macs: new Set() });
  open6.set(s6, { t, macs: new Set() });
  try {
    arp.send(encodeArpFrame('ff:ff:ff:ff:ff:ff', link!.mac, { operation: ArpOperation.Request, senderMac: link!.mac, senderIp: s4, targetMac: '00:00:00:00:00:00', targetIp: config.vip4 }));
    ndp.send({ destination: solicitedNodeMulticast(config.vip6) ?? '', source: s6, message: encodeNeighborSolicitation({ target: config.vip6, sourceLinkLayer: link!.mac }) });
  } catch (err) {
    process.stderr.write(`send: ${(err as Error).message}\n`);
  }
  setTimeout(() => (close(4, s4), close(6, s6)), windowMs);
  setTimeout(probe, 10 + Math.floor(Math.random() * 41));
}

process.once('SIGTERM', () => {
  stopped = true;
  setTimeout(() => {
    arp.close();
    ndp.close();
    process.exit(0);
  }, windowMs + 20);
});
process.stdout.write(JSON.stringify({ p: 'ready', mac: link.mac }) + '\n');
probe();

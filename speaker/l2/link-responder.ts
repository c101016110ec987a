// Answers ARP and Neighbor Solicitations on one interface for the IPs the responder
// owns, sends its gratuitous announcements, spots other MACs claiming those IPs, and carries
// the liveness heartbeats as Ethernet frames. Sockets come through the L2SocketFactory port:
// native raw sockets in production, recording fakes in unit tests. Nothing read off the
// wire can make this throw. Frames the kernel marks for another host are not ours: that is
// how an 802.1Q-tagged frame of a VLAN this interface is not on arrives (tag stripped).
import { isIPv6 } from 'node:net';
import { openIcmp6Socket, openPacketSocket, type Icmp6SendOptions, type ReceivedIcmp6 } from '../../native/index.ts';
import { L2_HEARTBEAT_ETHERTYPE, L2_HEARTBEAT_MAC } from '../liveness/heartbeat.ts';
import { isUnicastMac } from './addresses.ts';
import { ArpOperation, arpReplyFor, decodeArpFrame, gratuitousArpReply, gratuitousArpRequest } from './arp.ts';
import { decodeEthernet, encodeEthernet } from './ethernet.ts';
import type { InterfaceInfo } from './interface-info.ts';
import type { L2Counters } from './l2-stats.ts';
import {
  decodeNeighborAdvertisement,
  decodeNeighborSolicitation,
  ICMPV6_NEIGHBOR_ADVERTISEMENT,
  ICMPV6_NEIGHBOR_SOLICITATION,
  neighborAdvertisementFor,
  solicitedNodeMulticast,
  unsolicitedNeighborAdvertisement,
} from './ndp.ts';

export interface ArpPort {
  send(frame: Uint8Array): void;
  /** Handles the frames queued now (absent: nothing is queued, as in fakes). */
  drain?(): void;
  close(): void;
}

export interface NdpPort {
  send(options: Icmp6SendOptions): void;
  joinGroup(group: string): boolean;
  leaveGroup(group: string): boolean;
  drain?(): void;
  close(): void;
}

/** sll_pkttype of a frame addressed to another host, or tagged for a VLAN without an interface here. */
export const PACKET_OTHERHOST = 3;

/** A frame and the kernel's sll_pkttype for it (0 host, 1 broadcast, 2 multicast, 3 other host). */
export type FrameHandler = (frame: Buffer, pktType?: number) => void;

export interface L2SocketFactory {
  openArp(link: InterfaceInfo, onFrame: FrameHandler, onError: (err: Error) => void): ArpPort;
  openNdp(link: InterfaceInfo, onMessage: (message: ReceivedIcmp6) => void, onError: (err: Error) => void): NdpPort;
  /** Heartbeat frames (L2_HEARTBEAT_ETHERTYPE); without it heartbeats travel by UDP only. */
  openHeartbeat?(link: InterfaceInfo, onFrame: FrameHandler, onError: (err: Error) => void): ArpPort;
}

export const nativeL2Sockets: L2SocketFactory = {
  openArp: (link, onFrame, onError) => openPacketSocket({ ifindex: link.ifindex, onFrame: (f) => onFrame(f.data, f.pktType), onError }),
  openNdp: (link, onMessage, onError) =>
    openIcmp6Socket({ ifindex: link.ifindex, icmpTypes: [ICMPV6_NEIGHBOR_SOLICITATION, ICMPV6_NEIGHBOR_ADVERTISEMENT], onMessage, onError }),
  openHeartbeat: (link, onFrame, onError) =>
    openPacketSocket({ ifindex: link.ifindex, etherType: L2_HEARTBEAT_ETHERTYPE, onFrame: (f) => onFrame(f.data, f.pktType), onError }),
};

/** What a link responder needs from the responder that owns it. */
export interface LinkContext {
  owns(ip: string): boolean;
  readonly counters: L2Counters;
  /** Another MAC announced an IP we own. */
  claimSeen(ip: string, mac: string, ifname: string): void;
  failed(ifname: string, reason: string): void;
  /** May this source (sender MAC / sender IP) be answered now (answer-limit.ts)? */
  mayAnswer(source: string): boolean;
  /** Another host's frame arrived: the segment reaches us (isolation.ts). */
  frameSeen(): void;
  /** A heartbeat arrived as an Ethernet frame (payload from the heartbeat header on). */
  heartbeatFrame(payload: Uint8Array, sourceMac: string): void;
}

export class LinkResponder {
  readonly link: InterfaceInfo;
  readonly #ctx: LinkContext;
  readonly #arp: ArpPort;
  readonly #ndp: NdpPort;
  readonly #heartbeats: ArpPort | undefined;
  /** Solicited-node groups joined, with how many owned IPs map to each. */
  readonly #groups = new Map<string, number>();

  constructor(link: InterfaceInfo, sockets: L2SocketFactory, ctx: LinkContext) {
    this.link = link;
    this.#ctx = ctx;
    const onError = (err: Error) => ctx.failed(link.name, err.message);
    this.#arp = sockets.openArp(link, (frame, pktType) => this.#onArp(frame, pktType), onError);
    try {
      this.#ndp = sockets.openNdp(link, (message) => this.#onNdp(message), onError);
    } catch (err) {
      this.#arp.close();
      throw err;
    }
    try {
      this.#heartbeats = sockets.openHeartbeat?.(link, (frame, pktType) => this.#onHeartbeat(frame, pktType), onError);
    } catch (err) {
      this.#arp.close();
      this.#ndp.close();
      throw err;
    }
  }

  /** Sends a signed heartbeat as one Ethernet frame to the segment. */
  sendHeartbeat(wire: Uint8Array): void {
    const heartbeats = this.#heartbeats;
    if (!heartbeats) return;
    const frame = encodeEthernet({ destination: L2_HEARTBEAT_MAC, source: this.link.mac, etherType: L2_HEARTBEAT_ETHERTYPE, payload: wire });
    this.#send(() => heartbeats.send(frame));
  }

  /** Sends gratuitous ARP (request and reply) or an unsolicited NA with Override. */
  announce(ip: string): void {
    if (isIPv6(ip)) {
      const na = unsolicitedNeighborAdvertisement(ip, this.link.mac);
      if (this.#send(() => this.#ndp.send(na))) this.#ctx.counters.gratuitousSent(ip);
      return;
    }
    for (const frame of [gratuitousArpRequest(this.link.mac, ip), gratuitousArpReply(this.link.mac, ip)]) {
      if (this.#send(() => this.#arp.send(frame))) this.#ctx.counters.gratuitousSent(ip);
    }
  }

  /** Joins the solicited-node group of a newly owned IPv6 address. */
  /**
   * Handles the requests queued now, under the IPs owned so far: called before taking more,
   * so a request that arrived while another node answered it is not answered a second time.
   */
  drain(): void {
    this.#arp.drain?.();
    this.#ndp.drain?.();
  }

  owned(ip: string): void {
    const group = isIPv6(ip) ? solicitedNodeMulticast(ip) : undefined;
    if (!group) return;
    const count = this.#groups.get(group) ?? 0;
    this.#groups.set(group, count + 1);
    if (count === 0) this.#send(() => this.#ndp.joinGroup(group));
  }

  /** Leaves the group once no owned IP maps to it. */
  released(ip: string): void {
    const group = isIPv6(ip) ? solicitedNodeMulticast(ip) : undefined;
    const count = group === undefined ? 0 : (this.#groups.get(group) ?? 0);
    if (!group || count === 0) return;
    if (count > 1) return void this.#groups.set(group, count - 1);
    this.#groups.delete(group);
    this.#send(() => this.#ndp.leaveGroup(group));
  }

  close(): void {
    this.#arp.close();
    this.#ndp.close();
    this.#heartbeats?.close();
  }

  #send(action: () => unknown): boolean {
    try {
      action();
      return true;
    } catch (err) {
      this.#ctx.failed(this.link.name, `send: ${(err as Error).message}`);
      return false;
    }
  }

  #onHeartbeat(frame: Buffer, pktType: number | undefined): void {
    if (pktType === PACKET_OTHERHOST) return;
    const got = decodeEthernet(frame);
    if (!got.ok || got.value.source === this.link.mac) return;
    this.#ctx.frameSeen();
    this.#ctx.heartbeatFrame(got.value.payload, got.value.source);
  }

  #onArp(frame: Buffer, pktType: number | undefined): void {
    const { counters } = this.#ctx;
    if (pktType === PACKET_OTHERHOST) return counters.ignored('other-host');
    const got = decodeArpFrame(frame);
    if (!got.ok) return counters.ignored(`arp-${got.error.reason}`);
    const { arp, ethernet } = got.value;
    if (ethernet.source !== this.link.mac) this.#ctx.frameSeen();
    // A tag the kernel left in the frame: a VLAN this interface is not on.
    if (ethernet.vlan !== undefined && ethernet.vlan !== 0) return counters.ignored('vlan-tagged');
    const claims = arp.operation === ArpOperation.Reply || arp.senderIp === arp.targetIp;
    if (claims) {
      if (arp.senderMac === this.link.mac || !this.#ctx.owns(arp.senderIp)) return counters.ignored('gratuitous');
      return this.#ctx.claimSeen(arp.senderIp, arp.senderMac, this.link.name);
    }
    if (arp.operation !== ArpOperation.Request) return counters.ignored('arp-reply');
    if (!this.#ctx.owns(arp.targetIp)) return counters.ignored('not-owned');
    // A reply goes to the sender's MAC: never to a group or the zero address.
    if (!isUnicastMac(arp.senderMac) || !isUnicastMac(ethernet.source)) return counters.ignored('arp-bad-sender');
    counters.requestReceived(arp.targetIp);
    if (!this.#ctx.mayAnswer(`${arp.senderMac}/${arp.senderIp}`)) return counters.ignored('rate-limited');
    if (this.#send(() => this.#arp.send(arpReplyFor(arp, this.link.mac)))) counters.responseSent(arp.targetIp);
  }

  #onNdp(message: ReceivedIcmp6): void {
    const { counters } = this.#ctx;
    if (message.data[0] === ICMPV6_NEIGHBOR_ADVERTISEMENT) {
      const na = decodeNeighborAdvertisement(message.data, message);
      if (!na.ok) return counters.ignored(`na-${na.error.reason}`);
      const mac = na.value.targetLinkLayer;
      if (mac === undefined || mac === this.link.mac || !this.#ctx.owns(na.value.target)) return;
      return this.#ctx.claimSeen(na.value.target, mac, this.link.name);
    }
    const ns = decodeNeighborSolicitation(message.data, message);
    if (!ns.ok) return counters.ignored(`ns-${ns.error.reason}`);
    this.#ctx.frameSeen();
    const ip = ns.value.target;
    if (!this.#ctx.owns(ip)) return counters.ignored('not-owned');
    const sll = ns.value.sourceLinkLayer;
    if (sll !== undefined && !isUnicastMac(sll)) return counters.ignored('ns-bad-sender');
    counters.requestReceived(ip);
    if (!this.#ctx.mayAnswer(`${sll ?? ''}/${message.source}`)) return counters.ignored('rate-limited');
    const answer = neighborAdvertisementFor(ns.value, message, this.link.mac);
    if (this.#send(() => this.#ndp.send(answer))) counters.responseSent(ip);
  }
}

// ARP for IPv4 over Ethernet (RFC 826), plus the gratuitous forms a new owner sends.
import { BROADCAST_MAC, formatIpv4, formatMac, parseIpv4, parseMac, ZERO_MAC } from './addresses.ts';
import { decoded, decodeFailure, type DecodeResult } from './decode-result.ts';
import { decodeEthernet, encodeEthernet, ETHERTYPE_ARP, type EthernetFrame } from './ethernet.ts';

export const ArpOperation = { Request: 1, Reply: 2 } as const;
export type ArpOperation = (typeof ArpOperation)[keyof typeof ArpOperation];

export const ARP_PACKET_LENGTH = 28;
const HARDWARE_ETHERNET = 1;
const PROTOCOL_IPV4 = 0x0800;

export interface ArpPacket {
  operation: ArpOperation;
  senderMac: string;
  senderIp: string;
  targetMac: string;
  targetIp: string;
}

/** Decodes an ARP packet (the Ethernet payload); trailing padding is ignored. */
export function decodeArp(bytes: Uint8Array): DecodeResult<ArpPacket> {
  if (bytes.length < 8) return decodeFailure('truncated', `ARP header needs 8 bytes, got ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hardware = view.getUint16(0);
  const protocol = view.getUint16(2);
  const hardwareLength = view.getUint8(4);
  const protocolLength = view.getUint8(5);
  const operation = view.getUint16(6);
  if (hardware !== HARDWARE_ETHERNET || protocol !== PROTOCOL_IPV4) {
    return decodeFailure('unsupported', `ARP for hardware ${hardware} / protocol 0x${protocol.toString(16)}`);
  }
  if (hardwareLength !== 6 || protocolLength !== 4) {
    return decodeFailure('malformed', `Ethernet/IPv4 ARP with address lengths ${hardwareLength}/${protocolLength}`);
  }
  if (operation !== ArpOperation.Request && operation !== ArpOperation.Reply) {
    return decodeFailure('unsupported', `ARP operation ${operation}`);
  }
  if (bytes.length < ARP_PACKET_LENGTH) {
    return decodeFailure('truncated', `ARP packet needs ${ARP_PACKET_LENGTH} bytes, got ${bytes.length}`);
  }
  return decoded({
    operation,
    senderMac: formatMac(bytes, 8),
    senderIp: formatIpv4(bytes, 14),
    targetMac: formatMac(bytes, 18),
    targetIp: formatIpv4(bytes, 24),
  });
}

function required<T>(value: T | undefined, what: string, text: string): T {
  if (value === undefined) throw new TypeError(`${what} is invalid: ${text}`);
  return value;
}

/** Encodes an ARP packet; throws TypeError on malformed addresses (a caller bug). */
export function encodeArp(packet: ArpPacket): Buffer {
  const out = Buffer.alloc(ARP_PACKET_LENGTH);
  out.writeUInt16BE(HARDWARE_ETHERNET, 0);
  out.writeUInt16BE(PROTOCOL_IPV4, 2);
  out.writeUInt8(6, 4);
  out.writeUInt8(4, 5);
  out.writeUInt16BE(packet.operation, 6);
  out.set(required(parseMac(packet.senderMac), 'senderMac', packet.senderMac), 8);
  out.set(required(parseIpv4(packet.senderIp), 'senderIp', packet.senderIp), 14);
  out.set(required(parseMac(packet.targetMac), 'targetMac', packet.targetMac), 18);
  out.set(required(parseIpv4(packet.targetIp), 'targetIp', packet.targetIp), 24);
  return out;
}

export interface ArpFrame {
  ethernet: EthernetFrame;
  arp: ArpPacket;
}

/** Decodes a whole Ethernet frame that should carry ARP. */
export function decodeArpFrame(bytes: Uint8Array): DecodeResult<ArpFrame> {
  const ethernet = decodeEthernet(bytes);
  if (!ethernet.ok) return ethernet;
  if (ethernet.value.etherType !== ETHERTYPE_ARP) {
    return decodeFailure('unsupported', `EtherType 0x${ethernet.value.etherType.toString(16)} is not ARP`);
  }
  const arp = decodeArp(ethernet.value.payload);
  if (!arp.ok) return arp;
  return decoded({ ethernet: ethernet.value, arp: arp.value });
}

export function encodeArpFrame(destination: string, source: string, arp: ArpPacket): Buffer {
  return encodeEthernet({ destination, source, etherType: ETHERTYPE_ARP, payload: encodeArp(arp) });
}

/** The reply claiming request.targetIp for mac, sent straight back to the asker. */
export function arpReplyFor(request: ArpPacket, mac: string): Buffer {
  return encodeArpFrame(request.senderMac, mac, {
    operation: ArpOperation.Reply,
    senderMac: mac,
    senderIp: request.targetIp,
    targetMac: request.senderMac,
    targetIp: request.senderIp,
  });
}

/** Gratuitous ARP request (RFC 5227 announcement): broadcast, sender IP = target IP. */
export function gratuitousArpRequest(mac: string, ip: string): Buffer {
  return encodeArpFrame(BROADCAST_MAC, mac, {
    operation: ArpOperation.Request,
    senderMac: mac,
    senderIp: ip,
    targetMac: ZERO_MAC,
    targetIp: ip,
  });
}

/** Gratuitous ARP reply: broadcast, sender IP = target IP; some hosts only heed this form. */
export function gratuitousArpReply(mac: string, ip: string): Buffer {
  return encodeArpFrame(BROADCAST_MAC, mac, {
    operation: ArpOperation.Reply,
    senderMac: mac,
    senderIp: ip,
    targetMac: BROADCAST_MAC,
    targetIp: ip,
  });
}

// IPv6 Neighbor Discovery (RFC 4861): Neighbor Solicitation in, Neighbor
// Advertisement out. Messages start at the ICMPv6 type byte; the raw socket's kernel
// computes the checksum, so encoders leave it zero.
import { formatIpv6, formatMac, parseIpv6, parseMac } from './addresses.ts';
import { decoded, decodeFailure, type DecodeResult } from './decode-result.ts';

export const ICMPV6_NEIGHBOR_SOLICITATION = 135;
export const ICMPV6_NEIGHBOR_ADVERTISEMENT = 136;
export const NDP_HOP_LIMIT = 255;
export const ALL_NODES_MULTICAST = 'ff02::1';

const OPTION_SOURCE_LINK_LAYER = 1;
const OPTION_TARGET_LINK_LAYER = 2;
const HEADER_LENGTH = 24;
const FLAG_ROUTER = 0x80;
const FLAG_SOLICITED = 0x40;
const FLAG_OVERRIDE = 0x20;

export interface NeighborSolicitation {
  target: string;
  /** Source link-layer address option; absent in DAD probes. */
  sourceLinkLayer?: string;
}

export interface NeighborAdvertisement {
  target: string;
  targetLinkLayer?: string;
  router: boolean;
  solicited: boolean;
  override: boolean;
}

/** What the IPv6 header said about a received NDP message (from the raw socket). */
export interface Ipv6Envelope {
  source: string;
  destination?: string;
  /** -1 when unknown; NDP requires 255 (RFC 4861 7.1.1). */
  hopLimit: number;
}

function isMulticast(addr: Uint8Array, offset = 0): boolean {
  return addr[offset] === 0xff;
}

function isUnspecified(text: string): boolean {
  const bytes = parseIpv6(text);
  return bytes !== undefined && bytes.every((b) => b === 0);
}

/** Walks NDP options; returns link-layer addresses of the given type, or an error. */
function readLinkLayerOption(bytes: Uint8Array, start: number, wanted: number): DecodeResult<string | undefined> {
  let found: string | undefined;
  for (let at = start; at < bytes.length; ) {
    if (bytes.length - at < 2) return decodeFailure('truncated', 'NDP option header is cut short');
    const type = bytes[at] ?? 0;
    const length = (bytes[at + 1] ?? 0) * 8;
    if (length === 0) return decodeFailure('malformed', 'NDP option with length 0');
    if (bytes.length - at < length) return decodeFailure('truncated', `NDP option ${type} runs past the message`);
    // Ethernet link-layer options are 8 bytes: type, length, 6-byte MAC.
    if (type === wanted && found === undefined && length >= 8) found = formatMac(bytes, at + 2);
    at += length;
  }
  return decoded(found);
}

/**
 * Decodes a Neighbor Solicitation. With the IPv6 envelope it also applies RFC 4861
 * 7.1.1: hop limit 255, and a DAD probe (source ::) must go to a solicited-node
 * group and carry no source link-layer option.
 */
export function decodeNeighborSolicitation(bytes: Uint8Array, ip?: Ipv6Envelope): DecodeResult<NeighborSolicitation> {
  if (bytes.length < 2) return decodeFailure('truncated', 'ICMPv6 header is cut short');
  if (bytes[0] !== ICMPV6_NEIGHBOR_SOLICITATION) {
    return decodeFailure('unsupported', `ICMPv6 type ${bytes[0]} is not a Neighbor Solicitation`);
  }
  if (bytes[1] !== 0) return decodeFailure('malformed', `Neighbor Solicitation with code ${bytes[1]}`);
  if (ip && ip.hopLimit !== NDP_HOP_LIMIT) {
    return decodeFailure('bad-hop-limit', `Neighbor Solicitation with hop limit ${ip.hopLimit}`);
  }
  if (bytes.length < HEADER_LENGTH) {
    return decodeFailure('truncated', `Neighbor Solicitation needs ${HEADER_LENGTH} bytes, got ${bytes.length}`);
  }
  if (isMulticast(bytes, 8)) return decodeFailure('malformed', 'Neighbor Solicitation for a multicast target');
  const option = readLinkLayerOption(bytes, HEADER_LENGTH, OPTION_SOURCE_LINK_LAYER);
  if (!option.ok) return option;
  const solicitation: NeighborSolicitation = { target: formatIpv6(bytes, 8) };
  if (option.value !== undefined) solicitation.sourceLinkLayer = option.value;
  if (ip && isUnspecified(ip.source)) {
    if (solicitation.sourceLinkLayer !== undefined) {
      return decodeFailure('malformed', 'DAD probe (source ::) with a source link-layer option');
    }
    if (ip.destination !== undefined && !isSolicitedNodeMulticast(ip.destination)) {
      return decodeFailure('malformed', `DAD probe sent to ${ip.destination}, not a solicited-node group`);
    }
  }
  return decoded(solicitation);
}

/** Decodes a Neighbor Advertisement (for tests and for watching other speakers). */
export function decodeNeighborAdvertisement(bytes: Uint8Array, ip?: Ipv6Envelope): DecodeResult<NeighborAdvertisement> {
  if (bytes.length < 2) return decodeFailure('truncated', 'ICMPv6 header is cut short');
  if (bytes[0] !== ICMPV6_NEIGHBOR_ADVERTISEMENT) {
    return decodeFailure('unsupported', `ICMPv6 type ${bytes[0]} is not a Neighbor Advertisement`);
  }
  if (bytes[1] !== 0) return decodeFailure('malformed', `Neighbor Advertisement with code ${bytes[1]}`);
  if (ip && ip.hopLimit !== NDP_HOP_LIMIT) {
    return decodeFailure('bad-hop-limit', `Neighbor Advertisement with hop limit ${ip.hopLimit}`);
  }
  if (bytes.length < HEADER_LENGTH) {
    return decodeFailure('truncated', `Neighbor Advertisement needs ${HEADER_LENGTH} bytes, got ${bytes.length}`);
  }
  if (isMulticast(bytes, 8)) return decodeFailure('malformed', 'Neighbor Advertisement for a multicast target');
  const flags = bytes[4] ?? 0;
  const solicited = (flags & FLAG_SOLICITED) !== 0;
  if (solicited && ip?.destination !== undefined && (parseIpv6(ip.destination)?.[0] ?? 0) === 0xff) {
    return decodeFailure('malformed', 'solicited Neighbor Advertisement sent to a multicast group');
  }
  const option = readLinkLayerOption(bytes, HEADER_LENGTH, OPTION_TARGET_LINK_LAYER);
  if (!option.ok) return option;
  const advertisement: NeighborAdvertisement = {
    target: formatIpv6(bytes, 8),
    router: (flags & FLAG_ROUTER) !== 0,
    solicited,
    override: (flags & FLAG_OVERRIDE) !== 0,
  };
  if (option.value !== undefined) advertisement.targetLinkLayer = option.value;
  return decoded(advertisement);
}

/** Encodes a Neighbor Advertisement; throws TypeError on malformed addresses (a caller bug). */
export function encodeNeighborAdvertisement(na: NeighborAdvertisement): Buffer {
  const target = parseIpv6(na.target);
  if (!target) throw new TypeError(`target is not an IPv6 address: ${na.target}`);
  const mac = na.targetLinkLayer === undefined ? undefined : parseMac(na.targetLinkLayer);
  if (na.targetLinkLayer !== undefined && !mac) throw new TypeError(`not a MAC address: ${na.targetLinkLayer}`);
  const out = Buffer.alloc(HEADER_LENGTH + (mac ? 8 : 0));
  out[0] = ICMPV6_NEIGHBOR_ADVERTISEMENT;
  out[4] = (na.router ? FLAG_ROUTER : 0) | (na.solicited ? FLAG_SOLICITED : 0) | (na.override ? FLAG_OVERRIDE : 0);
  out.set(target, 8);
  if (mac) {
    out[HEADER_LENGTH] = OPTION_TARGET_LINK_LAYER;
    out[HEADER_LENGTH + 1] = 1;
    out.set(mac, HEADER_LENGTH + 2);
  }
  return out;
}

/** Encodes a Neighbor Solicitation (tests and probes); source :: means a DAD probe without option. */
export function encodeNeighborSolicitation(ns: NeighborSolicitation): Buffer {
  const target = parseIpv6(ns.target);
  if (!target) throw new TypeError(`target is not an IPv6 address: ${ns.target}`);
  const mac = ns.sourceLinkLayer === undefined ? undefined : parseMac(ns.sourceLinkLayer);
  if (ns.sourceLinkLayer !== undefined && !mac) throw new TypeError(`not a MAC address: ${ns.sourceLinkLayer}`);
  const out = Buffer.alloc(HEADER_LENGTH + (mac ? 8 : 0));
  out[0] = ICMPV6_NEIGHBOR_SOLICITATION;
  out.set(target, 8);
  if (mac) {
    out[HEADER_LENGTH] = OPTION_SOURCE_LINK_LAYER;
    out[HEADER_LENGTH + 1] = 1;
    out.set(mac, HEADER_LENGTH + 2);
  }
  return out;
}

/** ff02::1:ffXX:XXXX for an IPv6 address (RFC 4291 2.7.1), or undefined if it is not one. */
export function solicitedNodeMulticast(address: string): string | undefined {
  const bytes = parseIpv6(address);
  if (!bytes) return undefined;
  const group = new Uint8Array(16);
  group.set([0xff, 0x02], 0);
  group.set([0x01, 0xff], 11);
  group.set(bytes.subarray(13), 13);
  return formatIpv6(group);
}

export function isSolicitedNodeMulticast(address: string): boolean {
  const bytes = parseIpv6(address);
  if (!bytes) return false;
  const prefix = [0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff];
  return prefix.every((b, i) => bytes[i] === b);
}

export interface OutgoingNdp {
  destination: string;
  message: Buffer;
}

/**
 * The answer to a Neighbor Solicitation for an address this node owns: solicited,
 * with Override so a failover rewrites caches at once. A DAD probe (source ::) gets
 * an unsolicited advertisement to all nodes (RFC 4861 7.2.4).
 */
export function neighborAdvertisementFor(ns: NeighborSolicitation, ip: Ipv6Envelope, mac: string): OutgoingNdp {
  const dad = isUnspecified(ip.source);
  return {
    destination: dad ? ALL_NODES_MULTICAST : ip.source,
    message: encodeNeighborAdvertisement({
      target: ns.target,
      targetLinkLayer: mac,
      router: false,
      solicited: !dad,
      override: true,
    }),
  };
}

/** Unsolicited advertisement a new owner sends to all nodes (RFC 4861 7.2.6). */
export function unsolicitedNeighborAdvertisement(target: string, mac: string): OutgoingNdp {
  return {
    destination: ALL_NODES_MULTICAST,
    message: encodeNeighborAdvertisement({ target, targetLinkLayer: mac, router: false, solicited: false, override: true }),
  };
}

// Ethernet II frames (with an optional 802.1Q tag), without the FCS.
import { formatMac, MAC_LENGTH, parseMac } from './addresses.ts';
import { decoded, decodeFailure, type DecodeResult } from './decode-result.ts';

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_VLAN = 0x8100;
export const ETHERTYPE_IPV6 = 0x86dd;
export const ETHERNET_HEADER_LENGTH = 14;
/** 64 bytes on the wire minus the 4-byte FCS; shorter frames are padded. */
export const ETHERNET_MIN_FRAME_LENGTH = 60;

export interface EthernetFrame {
  destination: string;
  source: string;
  etherType: number;
  /** 802.1Q VLAN id when the frame carried a tag. */
  vlan?: number;
  /** Everything after the header, padding included (inner protocols know their length). */
  payload: Uint8Array;
}

export function decodeEthernet(bytes: Uint8Array): DecodeResult<EthernetFrame> {
  if (bytes.length < ETHERNET_HEADER_LENGTH) {
    return decodeFailure('truncated', `ethernet frame of ${bytes.length} bytes is shorter than its header`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let etherType = view.getUint16(12);
  let headerLength = ETHERNET_HEADER_LENGTH;
  let vlan: number | undefined;
  if (etherType === ETHERTYPE_VLAN) {
    if (bytes.length < ETHERNET_HEADER_LENGTH + 4) return decodeFailure('truncated', '802.1Q tag is cut short');
    vlan = view.getUint16(14) & 0x0fff;
    etherType = view.getUint16(16);
    headerLength += 4;
  }
  if (etherType < 0x0600) {
    return decodeFailure('unsupported', `802.3 length field ${etherType}, not an Ethernet II EtherType`);
  }
  const frame: EthernetFrame = {
    destination: formatMac(bytes, 0),
    source: formatMac(bytes, MAC_LENGTH),
    etherType,
    payload: bytes.subarray(headerLength),
  };
  if (vlan !== undefined) frame.vlan = vlan;
  return decoded(frame);
}

function macBytes(text: string, what: string): Uint8Array {
  const mac = parseMac(text);
  if (!mac) throw new TypeError(`${what} is not a MAC address: ${text}`);
  return mac;
}

/** Builds a frame, padded to the Ethernet minimum. Throws TypeError on a bad MAC (a caller bug). */
export function encodeEthernet(frame: EthernetFrame): Buffer {
  const tagLength = frame.vlan === undefined ? 0 : 4;
  const headerLength = ETHERNET_HEADER_LENGTH + tagLength;
  const out = Buffer.alloc(Math.max(ETHERNET_MIN_FRAME_LENGTH, headerLength + frame.payload.length));
  out.set(macBytes(frame.destination, 'destination'), 0);
  out.set(macBytes(frame.source, 'source'), MAC_LENGTH);
  if (frame.vlan !== undefined) {
    out.writeUInt16BE(ETHERTYPE_VLAN, 12);
    out.writeUInt16BE(frame.vlan & 0x0fff, 14);
  }
  out.writeUInt16BE(frame.etherType, 12 + tagLength);
  out.set(frame.payload, headerLength);
  return out;
}

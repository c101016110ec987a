// The speaker-to-speaker heartbeat on the wire: a fixed header, an HMAC-SHA256 over
// header and payload with the cluster's shared key, and a small JSON payload.
//   0..3 "PSHB" | 4 version | 5 reserved (0) | 6..7 payload length | 8..39 HMAC | payload
// Decoding never throws: bytes off the network become a value or a reason to drop them.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const HEARTBEAT_MAGIC = 'PSHB';
export const HEARTBEAT_VERSION = 1;
export const HEARTBEAT_HEADER_LENGTH = 40;
export const MAX_PAYLOAD_LENGTH = 1200;
const MAC_OFFSET = 8;
const MAC_LENGTH = 32;
const MAX_LINKS = 32;

/**
 * An interface the sender announces on, with its MAC (for conflict checks). `up: false`
 * says the interface is down on the sender (per-interface liveness: peers take over the
 * IPs announced there); absent means up. On the wire a down link is [name, mac, 0].
 */
export interface HeartbeatLink {
  name: string;
  mac: string;
  up?: boolean;
}

export interface Heartbeat {
  node: string;
  /** Random per process start: a restarted speaker starts its sequence again. */
  incarnation: string;
  /** Strictly increasing within an incarnation. */
  seq: number;
  /** Sender's clock, ms since the epoch (replay window). */
  sentAt: number;
  links: HeartbeatLink[];
}

export type HeartbeatDropReason = 'truncated' | 'malformed' | 'bad-version' | 'bad-signature';

export type HeartbeatDecode =
  | { readonly ok: true; readonly value: Heartbeat }
  | { readonly ok: false; readonly reason: HeartbeatDropReason; readonly message: string };

function drop(reason: HeartbeatDropReason, message: string): HeartbeatDecode {
  return { ok: false, reason, message };
}

function sign(key: Uint8Array, header: Uint8Array, payload: Uint8Array): Buffer {
  return createHmac('sha256', key).update(header).update(payload).digest();
}

/** Encodes and signs a heartbeat; throws TypeError if it does not fit (a caller bug). */
export function encodeHeartbeat(heartbeat: Heartbeat, key: Uint8Array): Buffer {
  const { node, incarnation, seq, sentAt, links } = heartbeat;
  const payload = Buffer.from(JSON.stringify({ n: node, i: incarnation, s: seq, t: sentAt, l: links.map((l) => (l.up === false ? [l.name, l.mac, 0] : [l.name, l.mac])) }));
  if (payload.length > MAX_PAYLOAD_LENGTH) throw new TypeError(`heartbeat payload of ${payload.length} bytes is too long`);
  const out = Buffer.alloc(HEARTBEAT_HEADER_LENGTH + payload.length);
  out.write(HEARTBEAT_MAGIC, 0, 'latin1');
  out.writeUInt8(HEARTBEAT_VERSION, 4);
  out.writeUInt16BE(payload.length, 6);
  payload.copy(out, HEARTBEAT_HEADER_LENGTH);
  sign(key, out.subarray(0, MAC_OFFSET), payload).copy(out, MAC_OFFSET);
  return out;
}

const isText = (v: unknown, max: number): v is string => typeof v === 'string' && v.length > 0 && v.length <= max;
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function readPayload(json: unknown): Heartbeat | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const { n, i, s, t, l } = json as Record<string, unknown>;
  if (!isText(n, 253) || !isText(i, 64) || !isCount(s) || !isCount(t) || !Array.isArray(l) || l.length > MAX_LINKS) {
    return undefined;
  }
  const links: HeartbeatLink[] = [];
  for (const entry of l as unknown[]) {
    if (!Array.isArray(entry) || !isText(entry[0], 15) || !isText(entry[1], 17)) return undefined;
    if (entry.length > 2 && entry[2] !== 0 && entry[2] !== 1) return undefined;
    links.push(entry[2] === 0 ? { name: entry[0], mac: entry[1], up: false } : { name: entry[0], mac: entry[1] });
  }
  return { node: n, incarnation: i, seq: s, sentAt: t, links };
}

/** Checks length, magic, version and signature (before parsing anything), then the payload. */
export function decodeHeartbeat(bytes: Uint8Array, key: Uint8Array): HeartbeatDecode {
  if (bytes.length < HEARTBEAT_HEADER_LENGTH) return drop('truncated', `${bytes.length} bytes is shorter than the header`);
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.toString('latin1', 0, 4) !== HEARTBEAT_MAGIC) return drop('malformed', 'not a Portside heartbeat (magic)');
  const version = buf.readUInt8(4);
  if (version !== HEARTBEAT_VERSION) return drop('bad-version', `heartbeat version ${version}`);
  const length = buf.readUInt16BE(6);
  if (length > MAX_PAYLOAD_LENGTH) return drop('malformed', `payload length ${length} exceeds ${MAX_PAYLOAD_LENGTH}`);
  if (buf.length !== HEARTBEAT_HEADER_LENGTH + length) {
    return drop(buf.length < HEARTBEAT_HEADER_LENGTH + length ? 'truncated' : 'malformed', `payload length ${length} vs ${buf.length - HEARTBEAT_HEADER_LENGTH} bytes`);
  }
  const payload = buf.subarray(HEARTBEAT_HEADER_LENGTH);
  const expected = sign(key, buf.subarray(0, MAC_OFFSET), payload);
  if (!timingSafeEqual(expected, buf.subarray(MAC_OFFSET, MAC_OFFSET + MAC_LENGTH))) {
    return drop('bad-signature', 'HMAC does not match the shared key');
  }
  let json: unknown;
  try {
    json = JSON.parse(payload.toString('utf8'));
  } catch {
    return drop('malformed', 'payload is not JSON');
  }
  const value = readPayload(json);
  return value ? { ok: true, value } : drop('malformed', 'payload fields are missing or out of range');
}

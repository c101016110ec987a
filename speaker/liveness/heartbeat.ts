// The speaker-to-speaker heartbeat on the wire: a fixed header, an HMAC-SHA256 over
// header and payload with the cluster's shared key, and a small JSON payload.
//   0..3 "PSHB" | 4 version | 5 reserved (0) | 6..7 payload length | 8..39 HMAC | payload
// Payload fields added later (claims, parts, phase) are optional: older decoders ignore them.
// The same bytes travel in a UDP datagram and in an Ethernet frame (L2_HEARTBEAT_ETHERTYPE).
// Decoding never throws: bytes off the network become a value or a reason to drop them.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { formatIp, ipFromBytes, ipToBytes, parseIp } from '../../lib/ip/index.ts';

export const HEARTBEAT_MAGIC = 'PSHB';
export const HEARTBEAT_VERSION = 1;
export const HEARTBEAT_HEADER_LENGTH = 40;
// Fits one Ethernet frame (1500) with the header; UDP over IPv6 carries it unfragmented too.
export const MAX_PAYLOAD_LENGTH = 1400;
/** IEEE 802 local experimental EtherType 1: heartbeats as Ethernet frames on the announcing segment. */
export const L2_HEARTBEAT_ETHERTYPE = 0x88b5;
/** Locally administered multicast: switches flood it, NICs of other hosts filter it. */
export const L2_HEARTBEAT_MAC = '03:70:73:68:62:00';
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
  /**
   * The IPs the sender answers ARP/NDP for right now (canonical text): the authenticated
   * claims ownership conflicts are settled by. Absent from older speakers.
   */
  claims?: string[];
  /** More IPs were answered than fit in MAX_CLAIM_PARTS heartbeats; only `claims` are known. */
  claimsTruncated?: boolean;
  /**
   * A claims set too large for one heartbeat goes out as `count` heartbeats in a row (each
   * signed, each with its own seq): this one carries part `index`. Every part of one set has
   * the same `version` (a digest of the whole set), so a receiver knows when it has it all.
   */
  claimsPart?: ClaimsPart;
  /**
   * Where the sender is in its life; absent means ready (and older speakers never say). A
   * `starting` speaker answers nothing yet (first plan not applied, responders not open):
   * peers keep its IPs. A `leaving` one has stopped answering and is going (SIGTERM): peers
   * take its IPs now, not at the timeout. Wire: `ph` = "s" | "l"; older decoders ignore it,
   * so to them a starting speaker is ready (as before) and a leaving one dies at the timeout.
   */
  phase?: HeartbeatPhase;
}

export type HeartbeatPhase = 'starting' | 'leaving';
const PHASE_CODE = { starting: 's', leaving: 'l' } as const satisfies Record<HeartbeatPhase, string>;

export interface ClaimsPart {
  version: string;
  index: number;
  count: number;
}

/** At most this many heartbeats per claims set (≈ 12,000 IPv4 or 3,500 IPv6 addresses). */
export const MAX_CLAIM_PARTS = 64;

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

/** Claims packed as base64 of 4-byte (c4) and 16-byte (c6) addresses, as many as fit in `budget` bytes; `taken`: how many of the list that was. */
function packClaims(claims: readonly string[], budget: number): { fields: Record<string, string | number>; truncated: boolean; taken: number } {
  const v4: Uint8Array[] = [];
  const v6: Uint8Array[] = [];
  let used = 0;
  let truncated = false;
  let taken = 0;
  for (const ip of claims) {
    const addr = parseIp(ip);
    const cost = addr === undefined ? 0 : addr.family === 4 ? 6 : 22; // base64 of the bytes, rounded up
    if (used + cost > budget) {
      truncated = true;
      break;
    }
    taken++;
    if (!addr) continue;
    used += cost;
    (addr.family === 4 ? v4 : v6).push(ipToBytes(addr));
  }
  const fields: Record<string, string | number> = {};
  if (v4.length > 0 || claims.length === 0) fields.c4 = Buffer.concat(v4).toString('base64');
  if (v6.length > 0) fields.c6 = Buffer.concat(v6).toString('base64');
  if (truncated) fields.cx = 1;
  return { fields, truncated, taken };
}

function baseFields({ node, incarnation, seq, sentAt, links, claimsPart, phase }: Heartbeat): Record<string, unknown> {
  return {
    n: node, i: incarnation, s: seq, t: sentAt, l: links.map((l) => (l.up === false ? [l.name, l.mac, 0] : [l.name, l.mac])),
    ...(claimsPart ? { cp: [claimsPart.index, claimsPart.count], cv: claimsPart.version } : {}),
    ...(phase ? { ph: PHASE_CODE[phase] } : {}),
  };
}

/** Bytes left for packed claims beside these fields (40 for the claim fields' own JSON). */
function claimsBudget(base: Record<string, unknown>): number {
  return MAX_PAYLOAD_LENGTH - Buffer.byteLength(JSON.stringify(base)) - 40;
}

/** The digest that names a claims set (sorted, so the order it is listed in does not matter). */
export function claimsVersion(claims: readonly string[]): string {
  return createHash('sha256').update([...claims].sort().join(',')).digest('hex').slice(0, 16);
}

/**
 * The heartbeats that carry `claims` in full: one if they fit, else MAX_CLAIM_PARTS at most,
 * each with the next seq from `nextSeq` and its `claimsPart`. Past that many the last part is
 * flagged truncated.
 */
export function encodeHeartbeats(heartbeat: Omit<Heartbeat, 'seq' | 'claimsPart'>, nextSeq: () => number, key: Uint8Array): Buffer[] {
  const { claims } = heartbeat;
  const first = { ...heartbeat, seq: nextSeq() };
  if (!claims || packClaims(claims, claimsBudget(baseFields(first))).truncated === false) return [encodeHeartbeat(first, key)];
  const version = claimsVersion(claims);
  // Room for the largest part header a set can have, so every page fits beside it.
  const budget = claimsBudget(baseFields({ ...first, seq: Number.MAX_SAFE_INTEGER, claimsPart: { version, index: MAX_CLAIM_PARTS, count: MAX_CLAIM_PARTS } }));
  const pages: string[][] = [];
  let rest = [...claims];
  while (rest.length > 0 && pages.length < MAX_CLAIM_PARTS) {
    const fits = Math.max(1, packClaims(rest, budget).taken);
    pages.push(rest.slice(0, fits));
    rest = rest.slice(fits);
  }
  if (rest.length > 0) pages[pages.length - 1] = [...(pages.at(-1) ?? []), ...rest]; // encodeHeartbeat cuts and flags it
  return pages.map((page, index) =>
    encodeHeartbeat({ ...heartbeat, seq: index === 0 ? first.seq : nextSeq(), claims: page, claimsPart: { version, index, count: pages.length } }, key),
  );
}

/** Encodes and signs a heartbeat; throws TypeError if the fixed part does not fit (a caller bug). Claims that do not fit are left out and flagged. */
export function encodeHeartbeat(heartbeat: Heartbeat, key: Uint8Array): Buffer {
  const base = baseFields(heartbeat);
  const { claims } = heartbeat;
  const packed = claims ? packClaims(claims, claimsBudget(base)).fields : {};
  const payload = Buffer.from(JSON.stringify({ ...base, ...packed }));
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

function unpackClaims(text: unknown, family: 4 | 6): string[] | undefined {
  if (text === undefined) return [];
  if (typeof text !== 'string') return undefined;
  const bytes = Buffer.from(text, 'base64');
  const size = family === 4 ? 4 : 16;
  if (bytes.length % size !== 0) return undefined;
  const out: string[] = [];
  for (let at = 0; at < bytes.length; at += size) out.push(formatIp(ipFromBytes(bytes, family, at)));
  return out;
}

function readPayload(json: unknown): Heartbeat | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const { n, i, s, t, l, c4, c6, cx, cp, cv, ph } = json as Record<string, unknown>;
  if (!isText(n, 253) || !isText(i, 64) || !isCount(s) || !isCount(t) || !Array.isArray(l) || l.length > MAX_LINKS) {
    return undefined;
  }
  const links: HeartbeatLink[] = [];
  for (const entry of l as unknown[]) {
    if (!Array.isArray(entry) || !isText(entry[0], 15) || !isText(entry[1], 17)) return undefined;
    if (entry.length > 2 && entry[2] !== 0 && entry[2] !== 1) return undefined;
    links.push(entry[2] === 0 ? { name: entry[0], mac: entry[1], up: false } : { name: entry[0], mac: entry[1] });
  }
  const hb: Heartbeat = { node: n, incarnation: i, seq: s, sentAt: t, links };
  if (ph !== undefined) {
    const phase = (Object.keys(PHASE_CODE) as HeartbeatPhase[]).find((p) => PHASE_CODE[p] === ph);
    if (!phase) return undefined;
    hb.phase = phase;
  }
  if (cp !== undefined || cv !== undefined) {
    const part = readPart(cp, cv);
    if (!part) return undefined;
    hb.claimsPart = part;
  }
  if (c4 === undefined && c6 === undefined) return hb.claimsPart ? undefined : hb;
  const v4 = unpackClaims(c4, 4);
  const v6 = unpackClaims(c6, 6);
  if (!v4 || !v6 || (cx !== undefined && cx !== 1)) return undefined;
  hb.claims = [...v4, ...v6];
  if (cx === 1) hb.claimsTruncated = true;
  return hb;
}

function readPart(cp: unknown, cv: unknown): ClaimsPart | undefined {
  if (!Array.isArray(cp) || cp.length !== 2 || !isText(cv, 64)) return undefined;
  const [index, count] = cp as unknown[];
  if (!isCount(index) || !isCount(count) || count < 1 || count > MAX_CLAIM_PARTS || index >= count) return undefined;
  return { version: cv, index, count };
}

/**
 * Checks length, magic, version and signature (before parsing anything), then the payload.
 * Several keys: any of them may have signed it (a key rotation, speaker/liveness/key-ring.ts).
 */
export function decodeHeartbeat(bytes: Uint8Array, key: Uint8Array | readonly Uint8Array[]): HeartbeatDecode {
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
  const mac = buf.subarray(MAC_OFFSET, MAC_OFFSET + MAC_LENGTH);
  const keys = key instanceof Uint8Array ? [key] : key;
  if (!keys.some((k) => timingSafeEqual(sign(k, buf.subarray(0, MAC_OFFSET), payload), mac))) {
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

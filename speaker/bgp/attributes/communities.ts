import { malformed } from '../cursor.ts';
import { ErrorCode, UpdateSubcode } from '../errors.ts';
import type { Decoded } from '../errors.ts';
import type { AttributeOf, LargeCommunity } from './types.ts';

/** Well-known communities (RFC 1997, RFC 8326 GRACEFUL_SHUTDOWN, RFC 7999 BLACKHOLE, ...). */
export const WellKnownCommunity = {
  GracefulShutdown: 0xffff0000,
  AcceptOwn: 0xffff0001,
  LlgrStale: 0xffff0006,
  NoLlgr: 0xffff0007,
  Blackhole: 0xffff029a,
  NoExport: 0xffffff01,
  NoAdvertise: 0xffffff02,
  NoExportSubconfed: 0xffffff03,
  NoPeer: 0xffffff04,
} as const;

const wellKnownNames: Record<string, number> = {
  'graceful-shutdown': WellKnownCommunity.GracefulShutdown,
  'accept-own': WellKnownCommunity.AcceptOwn,
  blackhole: WellKnownCommunity.Blackhole,
  'no-export': WellKnownCommunity.NoExport,
  'no-advertise': WellKnownCommunity.NoAdvertise,
  'no-export-subconfed': WellKnownCommunity.NoExportSubconfed,
  'no-peer': WellKnownCommunity.NoPeer,
};

/** Parses "65535:0" or a well-known name into the 32-bit community value. */
export function parseCommunity(text: string): number {
  const named = wellKnownNames[text.toLowerCase()];
  if (named !== undefined) return named;
  const m = /^(\d+):(\d+)$/.exec(text);
  const hi = Number(m?.[1]), lo = Number(m?.[2]);
  if (!m || hi > 0xffff || lo > 0xffff) throw new Error(`bad community: ${text}`);
  return hi * 0x10000 + lo;
}

export function formatCommunity(value: number): string {
  return `${value >>> 16}:${value & 0xffff}`;
}

/** Parses "global:local1:local2" (RFC 8092). */
export function parseLargeCommunity(text: string): LargeCommunity {
  const parts = text.split(':').map(Number);
  if (parts.length !== 3 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 0xffffffff)) {
    throw new Error(`bad large community: ${text}`);
  }
  const [globalAdmin = 0, localData1 = 0, localData2 = 0] = parts;
  return { globalAdmin, localData1, localData2 };
}

export function encodeCommunities(a: AttributeOf<'communities'>): Buffer {
  const out = Buffer.alloc(a.values.length * 4);
  a.values.forEach((v, i) => out.writeUInt32BE(v >>> 0, i * 4));
  return out;
}

/** RFC 7606 §7.8: length must be a non-zero multiple of 4. */
export function decodeCommunities(value: Buffer): Decoded<AttributeOf<'communities'>> {
  if (value.length === 0 || value.length % 4 !== 0) {
    throw malformed(ErrorCode.Update, UpdateSubcode.OptionalAttributeError)(`COMMUNITIES length ${value.length}`);
  }
  const view = new DataView(value.buffer, value.byteOffset, value.byteLength);
  const values = Array.from({ length: value.length / 4 }, (_, i) => view.getUint32(i * 4));
  return { value: { type: 'communities', values }, bytesRead: value.length };
}

export function encodeLargeCommunities(a: AttributeOf<'largeCommunities'>): Buffer {
  const out = Buffer.alloc(a.values.length * 12);
  a.values.forEach((v, i) => {
    out.writeUInt32BE(v.globalAdmin >>> 0, i * 12);
    out.writeUInt32BE(v.localData1 >>> 0, i * 12 + 4);
    out.writeUInt32BE(v.localData2 >>> 0, i * 12 + 8);
  });
  return out;
}

/** RFC 8092 §5: length must be a non-zero multiple of 12. */
export function decodeLargeCommunities(value: Buffer): Decoded<AttributeOf<'largeCommunities'>> {
  if (value.length === 0 || value.length % 12 !== 0) {
    throw malformed(ErrorCode.Update, UpdateSubcode.OptionalAttributeError)(`LARGE_COMMUNITY length ${value.length}`);
  }
  const view = new DataView(value.buffer, value.byteOffset, value.byteLength);
  const values = Array.from({ length: value.length / 12 }, (_, i) => ({
    globalAdmin: view.getUint32(i * 12),
    localData1: view.getUint32(i * 12 + 4),
    localData2: view.getUint32(i * 12 + 8),
  }));
  return { value: { type: 'largeCommunities', values }, bytesRead: value.length };
}

import { Cursor, malformed } from './cursor.ts';
import { ErrorCode } from './errors.ts';
import type { Decoded } from './errors.ts';

export const Afi = { Ipv4: 1, Ipv6: 2 } as const;
export const Safi = { Unicast: 1 } as const;
export const CapabilityCode = { Multiprotocol: 1, RouteRefresh: 2, GracefulRestart: 64, FourOctetAs: 65 } as const;

export interface AfiSafi {
  afi: number;
  safi: number;
}

export type Capability =
  | { kind: 'multiprotocol'; afi: number; safi: number }
  | { kind: 'routeRefresh' }
  | {
      kind: 'gracefulRestart';
      restarting: boolean; // R bit
      notification: boolean; // N bit (RFC 8538)
      restartTime: number; // seconds, 12 bits
      families: (AfiSafi & { forwarding: boolean })[];
    }
  | { kind: 'fourOctetAs'; asn: number }
  | { kind: 'unknown'; code: number; value: Buffer };

function body(cap: Capability): { code: number; value: Buffer } {
  switch (cap.kind) {
    case 'multiprotocol': {
      const v = Buffer.alloc(4);
      v.writeUInt16BE(cap.afi, 0);
      v[3] = cap.safi;
      return { code: CapabilityCode.Multiprotocol, value: v };
    }
    case 'routeRefresh':
      return { code: CapabilityCode.RouteRefresh, value: Buffer.alloc(0) };
    case 'gracefulRestart': {
      const v = Buffer.alloc(2 + 4 * cap.families.length);
      v.writeUInt16BE((cap.restarting ? 0x8000 : 0) | (cap.notification ? 0x4000 : 0) | (cap.restartTime & 0xfff), 0);
      cap.families.forEach((f, i) => {
        v.writeUInt16BE(f.afi, 2 + i * 4);
        v[4 + i * 4] = f.safi;
        v[5 + i * 4] = f.forwarding ? 0x80 : 0;
      });
      return { code: CapabilityCode.GracefulRestart, value: v };
    }
    case 'fourOctetAs': {
      const v = Buffer.alloc(4);
      v.writeUInt32BE(cap.asn >>> 0, 0);
      return { code: CapabilityCode.FourOctetAs, value: v };
    }
    case 'unknown':
      return { code: cap.code, value: cap.value };
  }
}

/** One capability TLV: code, length, value (RFC 5492). */
export function encodeCapability(cap: Capability): Buffer {
  const { code, value } = body(cap);
  if (value.length > 255) throw new RangeError(`capability ${code} too long`);
  return Buffer.concat([Buffer.from([code, value.length]), value]);
}

const bad = malformed(ErrorCode.Open, 0);

export function decodeCapability(buf: Buffer): Decoded<Capability> {
  const c = new Cursor(buf, bad);
  const code = c.u8('capability code');
  const len = c.u8('capability length');
  const v = new Cursor(c.bytes(len, 'capability value'), bad);
  const bytesRead = 2 + len;
  switch (code) {
    case CapabilityCode.Multiprotocol: {
      if (len !== 4) throw bad(`multiprotocol capability length ${len}`);
      const afi = v.u16('afi');
      v.u8('reserved');
      return { value: { kind: 'multiprotocol', afi, safi: v.u8('safi') }, bytesRead };
    }
    case CapabilityCode.RouteRefresh:
      if (len !== 0) throw bad(`route refresh capability length ${len}`);
      return { value: { kind: 'routeRefresh' }, bytesRead };
    case CapabilityCode.GracefulRestart: {
      if (len < 2 || (len - 2) % 4 !== 0) throw bad(`graceful restart capability length ${len}`);
      const flags = v.u16('restart flags');
      const families = [];
      while (v.remaining > 0) {
        const afi = v.u16('afi');
        const safi = v.u8('safi');
        families.push({ afi, safi, forwarding: (v.u8('af flags') & 0x80) !== 0 });
      }
      const value: Capability = {
        kind: 'gracefulRestart',
        restarting: (flags & 0x8000) !== 0,
        notification: (flags & 0x4000) !== 0,
        restartTime: flags & 0xfff,
        families,
      };
      return { value, bytesRead };
    }
    case CapabilityCode.FourOctetAs:
      if (len !== 4) throw bad(`four-octet AS capability length ${len}`);
      return { value: { kind: 'fourOctetAs', asn: v.u32('asn') }, bytesRead };
    default:
      return { value: { kind: 'unknown', code, value: Buffer.from(v.bytes(len, 'value')) }, bytesRead };
  }
}

import { BgpMessageError, ErrorCode } from './errors.ts';
import type { Decoded } from './errors.ts';

export interface RouteRefreshMessage {
  type: 'routeRefresh';
  afi: number;
  safi: number;
  subtype: number; // RFC 7313: 0 normal, 1 BoRR, 2 EoRR
}

export function encodeRouteRefreshBody(m: RouteRefreshMessage): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt16BE(m.afi, 0);
  out[2] = m.subtype;
  out[3] = m.safi;
  return out;
}

export function decodeRouteRefreshBody(buf: Buffer): Decoded<RouteRefreshMessage> {
  if (buf.length !== 4) {
    // RFC 7313 §5: the data is the whole message, but the body is what we hold here.
    throw new BgpMessageError(ErrorCode.RouteRefresh, 1, Buffer.from(buf), `length ${buf.length + 19}`);
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const value: RouteRefreshMessage = { type: 'routeRefresh', afi: view.getUint16(0), subtype: view.getUint8(2), safi: view.getUint8(3) };
  return { value, bytesRead: 4 };
}

import { BgpMessageError, ErrorCode, HeaderSubcode, NeedMoreBytes } from './errors.ts';
import type { Decoded } from './errors.ts';

export const HEADER_LENGTH = 19;
export const MAX_MESSAGE_LENGTH = 4096; // RFC 4271; RFC 8654 extended messages are not negotiated.

export const MessageType = { Open: 1, Update: 2, Notification: 3, Keepalive: 4, RouteRefresh: 5 } as const;
export type MessageTypeCode = (typeof MessageType)[keyof typeof MessageType];

/** Smallest (and for fixed-size types, largest) valid total length per message type. */
const lengthBounds: Record<number, [number, number]> = {
  1: [29, MAX_MESSAGE_LENGTH],
  2: [23, MAX_MESSAGE_LENGTH],
  3: [21, MAX_MESSAGE_LENGTH],
  4: [19, 19],
  5: [23, MAX_MESSAGE_LENGTH], // RFC 7313: a wrong length is 7/1, checked by the body decoder
};

export interface Header {
  length: number;
  type: MessageTypeCode;
}

export function encodeHeader(h: Header): Buffer {
  const out = Buffer.alloc(HEADER_LENGTH, 0xff);
  out.writeUInt16BE(h.length, 16);
  out[18] = h.type;
  return out;
}

/** Prepends a header to a body; the caller keeps the total within MAX_MESSAGE_LENGTH. */
export function frame(type: MessageTypeCode, body: Buffer): Buffer {
  const length = HEADER_LENGTH + body.length;
  if (length > MAX_MESSAGE_LENGTH) throw new RangeError(`message of ${length} bytes exceeds ${MAX_MESSAGE_LENGTH}`);
  return Buffer.concat([encodeHeader({ length, type }), body]);
}

/** Throws NeedMoreBytes for a short buffer, BgpMessageError (code 1) for a bad header. */
export function decodeHeader(buf: Buffer): Decoded<Header> {
  if (buf.length < HEADER_LENGTH) throw new NeedMoreBytes(HEADER_LENGTH - buf.length);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  for (let i = 0; i < 16; i++) {
    if (view.getUint8(i) !== 0xff) {
      throw new BgpMessageError(ErrorCode.MessageHeader, HeaderSubcode.ConnectionNotSynchronized, undefined, 'bad marker');
    }
  }
  const length = view.getUint16(16);
  const type = view.getUint8(18);
  const lengthData = Buffer.from(buf.subarray(16, 18));
  const bounds = lengthBounds[type];
  if (length < HEADER_LENGTH || length > MAX_MESSAGE_LENGTH) {
    throw new BgpMessageError(ErrorCode.MessageHeader, HeaderSubcode.BadMessageLength, lengthData, `length ${length}`);
  }
  if (!bounds) {
    throw new BgpMessageError(ErrorCode.MessageHeader, HeaderSubcode.BadMessageType, Buffer.from([type]), `type ${type}`);
  }
  if (length < bounds[0] || length > bounds[1]) {
    throw new BgpMessageError(ErrorCode.MessageHeader, HeaderSubcode.BadMessageLength, lengthData, `length ${length} for type ${type}`);
  }
  return { value: { length, type: type as MessageTypeCode }, bytesRead: HEADER_LENGTH };
}

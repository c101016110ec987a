import { malformed } from '../cursor.ts';
import { ErrorCode, UpdateSubcode } from '../errors.ts';
import type { Decoded } from '../errors.ts';
import type { AttributeOf } from './types.ts';

export function encodeNextHop(a: AttributeOf<'nextHop'>): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(Number(a.addr & 0xffffffffn));
  return out;
}

/** RFC 7606 §7.3: wrong length or a non-unicast address is malformed. */
export function decodeNextHop(value: Buffer): Decoded<AttributeOf<'nextHop'>> {
  if (value.length !== 4) throw malformed(ErrorCode.Update, UpdateSubcode.AttributeLengthError)(`NEXT_HOP length ${value.length}`);
  const addr = new DataView(value.buffer, value.byteOffset, value.byteLength).getUint32(0);
  const first = addr >>> 24;
  if (addr === 0 || addr === 0xffffffff || (first >= 224 && first <= 239)) {
    throw malformed(ErrorCode.Update, UpdateSubcode.InvalidNextHop, Buffer.from(value))('NEXT_HOP is not a unicast address');
  }
  return { value: { type: 'nextHop', addr: BigInt(addr) }, bytesRead: 4 };
}

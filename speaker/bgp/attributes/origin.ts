import { Cursor, malformed } from '../cursor.ts';
import { ErrorCode, UpdateSubcode } from '../errors.ts';
import type { Decoded } from '../errors.ts';
import type { AttributeOf, OriginValue } from './types.ts';

export function encodeOrigin(a: AttributeOf<'origin'>): Buffer {
  return Buffer.from([a.origin]);
}

export function decodeOrigin(value: Buffer): Decoded<AttributeOf<'origin'>> {
  if (value.length !== 1) throw malformed(ErrorCode.Update, UpdateSubcode.AttributeLengthError)(`ORIGIN length ${value.length}`);
  const origin = new Cursor(value, malformed(ErrorCode.Update, UpdateSubcode.AttributeLengthError)).u8('origin');
  if (origin > 2) throw malformed(ErrorCode.Update, UpdateSubcode.InvalidOrigin)(`ORIGIN ${origin}`);
  return { value: { type: 'origin', origin: origin as OriginValue }, bytesRead: 1 };
}

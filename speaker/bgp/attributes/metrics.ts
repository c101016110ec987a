import { malformed } from '../cursor.ts';
import { ErrorCode, UpdateSubcode } from '../errors.ts';
import type { Decoded } from '../errors.ts';
import type { AttributeOf } from './types.ts';

// MULTI_EXIT_DISC and LOCAL_PREF: one unsigned 32-bit value each.

function u32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value >>> 0);
  return out;
}

function readU32(value: Buffer, name: string): number {
  if (value.length !== 4) throw malformed(ErrorCode.Update, UpdateSubcode.AttributeLengthError)(`${name} length ${value.length}`);
  return new DataView(value.buffer, value.byteOffset, value.byteLength).getUint32(0);
}

export function encodeMed(a: AttributeOf<'med'>): Buffer {
  return u32(a.value);
}

export function decodeMed(value: Buffer): Decoded<AttributeOf<'med'>> {
  return { value: { type: 'med', value: readU32(value, 'MULTI_EXIT_DISC') }, bytesRead: 4 };
}

export function encodeLocalPref(a: AttributeOf<'localPref'>): Buffer {
  return u32(a.value);
}

export function decodeLocalPref(value: Buffer): Decoded<AttributeOf<'localPref'>> {
  return { value: { type: 'localPref', value: readU32(value, 'LOCAL_PREF') }, bytesRead: 4 };
}

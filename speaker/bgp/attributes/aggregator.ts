import { malformed } from '../cursor.ts';
import { ErrorCode, UpdateSubcode } from '../errors.ts';
import type { Decoded } from '../errors.ts';
import type { AttributeContext, AttributeOf } from './types.ts';

const lengthError = malformed(ErrorCode.Update, UpdateSubcode.AttributeLengthError);

export function encodeAtomicAggregate(): Buffer {
  return Buffer.alloc(0);
}

export function decodeAtomicAggregate(value: Buffer): Decoded<AttributeOf<'atomicAggregate'>> {
  if (value.length !== 0) throw lengthError(`ATOMIC_AGGREGATE length ${value.length}`);
  return { value: { type: 'atomicAggregate' }, bytesRead: 0 };
}

export function encodeAggregator(a: AttributeOf<'aggregator'>, ctx: AttributeContext): Buffer {
  const asnSize = ctx.fourOctetAs ? 4 : 2;
  const out = Buffer.alloc(asnSize + 4);
  if (asnSize === 4) out.writeUInt32BE(a.asn >>> 0, 0);
  else out.writeUInt16BE(a.asn & 0xffff, 0);
  out.writeUInt32BE(Number(a.addr & 0xffffffffn), asnSize);
  return out;
}

export function decodeAggregator(value: Buffer, ctx: AttributeContext): Decoded<AttributeOf<'aggregator'>> {
  const asnSize = ctx.fourOctetAs ? 4 : 2;
  if (value.length !== asnSize + 4) throw lengthError(`AGGREGATOR length ${value.length}`);
  const view = new DataView(value.buffer, value.byteOffset, value.byteLength);
  const asn = asnSize === 4 ? view.getUint32(0) : view.getUint16(0);
  return { value: { type: 'aggregator', asn, addr: BigInt(view.getUint32(asnSize)) }, bytesRead: value.length };
}

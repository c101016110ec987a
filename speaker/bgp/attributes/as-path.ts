import { Cursor, malformed } from '../cursor.ts';
import { ErrorCode, UpdateSubcode } from '../errors.ts';
import type { Decoded } from '../errors.ts';
import type { AsPathSegment, AsPathSegmentType, AttributeContext, AttributeOf } from './types.ts';

const segmentCodes: Record<AsPathSegmentType, number> = { set: 1, sequence: 2, confedSequence: 3, confedSet: 4 };
const segmentTypes: Record<number, AsPathSegmentType> = { 1: 'set', 2: 'sequence', 3: 'confedSequence', 4: 'confedSet' };

/** Encodes segments with 2- or 4-octet ASNs; long sequences split into 255-ASN segments. */
export function encodeSegments(segments: readonly AsPathSegment[], asnSize: 2 | 4): Buffer {
  const parts: Buffer[] = [];
  for (const seg of segments) {
    for (let i = 0; i < seg.asns.length; i += 255) {
      const chunk = seg.asns.slice(i, i + 255);
      const b = Buffer.alloc(2 + chunk.length * asnSize);
      b[0] = segmentCodes[seg.type];
      b[1] = chunk.length;
      chunk.forEach((asn, j) => {
        if (asnSize === 4) b.writeUInt32BE(asn >>> 0, 2 + j * 4);
        else b.writeUInt16BE(asn & 0xffff, 2 + j * 2);
      });
      parts.push(b);
    }
  }
  return Buffer.concat(parts);
}

export function decodeSegments(value: Buffer, asnSize: 2 | 4): AsPathSegment[] {
  const bad = malformed(ErrorCode.Update, UpdateSubcode.MalformedAsPath);
  const c = new Cursor(value, bad);
  const segments: AsPathSegment[] = [];
  while (c.remaining > 0) {
    const code = c.u8('segment type');
    const type = segmentTypes[code];
    if (!type) throw bad(`segment type ${code}`);
    const count = c.u8('segment length');
    if (count === 0) throw bad('empty segment'); // RFC 7606 §7.2
    c.need(count * asnSize, 'segment ASNs');
    const asns: number[] = [];
    for (let i = 0; i < count; i++) asns.push(asnSize === 4 ? c.u32('asn') : c.u16('asn'));
    segments.push({ type, asns });
  }
  return segments;
}

export function encodeAsPath(a: AttributeOf<'asPath'>, ctx: AttributeContext): Buffer {
  return encodeSegments(a.segments, ctx.fourOctetAs ? 4 : 2);
}

export function decodeAsPath(value: Buffer, ctx: AttributeContext): Decoded<AttributeOf<'asPath'>> {
  return { value: { type: 'asPath', segments: decodeSegments(value, ctx.fourOctetAs ? 4 : 2) }, bytesRead: value.length };
}

/** AS4_PATH (RFC 6793) always carries 4-octet ASNs. */
export function encodeAs4Path(a: AttributeOf<'as4Path'>): Buffer {
  return encodeSegments(a.segments, 4);
}

export function decodeAs4Path(value: Buffer): Decoded<AttributeOf<'as4Path'>> {
  return { value: { type: 'as4Path', segments: decodeSegments(value, 4) }, bytesRead: value.length };
}

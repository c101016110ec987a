import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodePathAttribute } from './attributes/path-attributes.ts';
import type { PathAttribute } from './attributes/types.ts';
import { BgpMessageError } from './errors.ts';
import { mustParseCidr } from '../../lib/ip/index.ts';
import { decodeUpdateBody } from './update.ts';

const ctx = { fourOctetAs: true };
const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const good: PathAttribute[] = [
  { type: 'origin', origin: 0 },
  { type: 'asPath', segments: [{ type: 'sequence', asns: [64512] }] },
  { type: 'nextHop', addr: 0xc6336401n },
];
const enc = (attrs: PathAttribute[]): Buffer => Buffer.concat(attrs.map((a) => encodePathAttribute(a, ctx)));

/** An UPDATE body with raw attribute bytes and one IPv4 prefix. */
function body(attrs: Buffer, nlri = hex('20cb00710a')): Buffer {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(attrs.length);
  return Buffer.concat([hex('0000'), len, attrs, nlri]);
}

function actions(attrs: Buffer, c: { fourOctetAs: boolean; ebgp?: boolean } = ctx): string[] {
  return decodeUpdateBody(body(attrs), c).errors.map((e) => `${e.action} ${e.error.code}/${e.error.subcode}`);
}

function reset(attrs: Buffer, subcode: number): void {
  assert.throws(() => decodeUpdateBody(body(attrs), ctx), (e: unknown) => e instanceof BgpMessageError && e.code === 3 && e.subcode === subcode);
}

describe('RFC 7606 classification of UPDATE errors', () => {
  it('accepts a well-formed UPDATE without errors', () => assert.deepEqual(actions(enc(good)), []));
  it('invalid ORIGIN value → treat-as-withdraw', () => assert.deepEqual(actions(Buffer.concat([hex('40010103'), enc(good.slice(1))])), ['treat-as-withdraw 3/6']));
  it('AS_PATH with an empty segment → treat-as-withdraw 3/11', () => {
    assert.deepEqual(actions(Buffer.concat([enc(good.slice(0, 1)), hex('40020202 00'), enc(good.slice(2))])), ['treat-as-withdraw 3/11']);
  });
  it('NEXT_HOP 0.0.0.0 → treat-as-withdraw 3/8', () => {
    assert.deepEqual(actions(Buffer.concat([enc(good.slice(0, 2)), hex('40030400000000')])), ['treat-as-withdraw 3/8']);
  });
  it('wrong flags on ORIGIN → treat-as-withdraw 3/4', () => {
    assert.deepEqual(actions(Buffer.concat([hex('c0010100'), enc(good.slice(1))])), ['treat-as-withdraw 3/4']);
  });
  it('ATOMIC_AGGREGATE with a value → attribute-discard', () => {
    assert.deepEqual(actions(Buffer.concat([enc(good), hex('40060101')])), ['attribute-discard 3/5']);
  });
  it('AGGREGATOR of the wrong length → attribute-discard', () => {
    assert.deepEqual(actions(Buffer.concat([enc(good), hex('c00705 0000fc0001')])), ['attribute-discard 3/5']);
  });
  it('COMMUNITIES not a multiple of 4 → treat-as-withdraw', () => {
    assert.deepEqual(actions(Buffer.concat([enc(good), hex('c00803 ffff00')])), ['treat-as-withdraw 3/9']);
  });
  it('LARGE_COMMUNITY not a multiple of 12 → treat-as-withdraw', () => {
    assert.deepEqual(actions(Buffer.concat([enc(good), hex('c02004 00000001')])), ['treat-as-withdraw 3/9']);
  });
  it('LOCAL_PREF from an eBGP peer → attribute-discard, kept from iBGP', () => {
    const lp = enc([...good, { type: 'localPref', value: 200 }]);
    assert.deepEqual(actions(lp, { fourOctetAs: true, ebgp: true }), ['attribute-discard 3/1']);
    assert.deepEqual(actions(lp), []);
  });
  it('missing NEXT_HOP with IPv4 NLRI → treat-as-withdraw 3/3', () => assert.deepEqual(actions(enc(good.slice(0, 2))), ['treat-as-withdraw 3/3']));
  it('missing attributes are fine in a withdraw-only UPDATE', () => {
    assert.deepEqual(decodeUpdateBody(body(Buffer.alloc(0), Buffer.alloc(0)), ctx).errors, []);
  });
  it('repeated attribute → later copy discarded', () => {
    assert.deepEqual(actions(Buffer.concat([enc(good), hex('40010100')])), ['attribute-discard 3/1']);
  });
  it('attribute overrunning the list → treat-as-withdraw, NLRI still located', () => {
    const r = decodeUpdateBody(body(Buffer.concat([enc(good), hex('c00810 ffff')])), ctx);
    assert.deepEqual(r.errors.map((e) => e.action), ['treat-as-withdraw']);
    assert.deepEqual(r.value.nlri, [mustParseCidr('203.0.113.10/32')]);
  });
  it('unknown optional transitive attribute is kept with Partial set', () => {
    const r = decodeUpdateBody(body(Buffer.concat([enc(good), hex('c06302 abcd')])), ctx);
    assert.deepEqual(r.value.attributes.at(-1), { type: 'unknown', code: 99, flags: 0xe0, value: hex('abcd') });
  });
  it('unknown well-known attribute → session reset 3/2', () => reset(Buffer.concat([enc(good), hex('40630100')]), 2));
  it('malformed MP_REACH_NLRI → session reset', () => reset(Buffer.concat([enc(good), hex('800e05 0002011000')]), 9));
  it('repeated MP_UNREACH_NLRI → session reset', () => reset(hex('800f03000201 800f03000201'), 1));
  it('bad NLRI prefix length → session reset 3/10', () => {
    assert.throws(() => decodeUpdateBody(body(enc(good), hex('21cb00710a00')), ctx), (e: unknown) => e instanceof BgpMessageError && e.subcode === 10);
  });
  it('withdrawn length past the end → session reset 3/1', () => {
    assert.throws(() => decodeUpdateBody(hex('0010 0000'), ctx), (e: unknown) => e instanceof BgpMessageError && e.subcode === 1);
  });
  it('MP_REACH for another AFI/SAFI is kept opaque and ignored', () => {
    const r = decodeUpdateBody(body(Buffer.concat([hex('800e05 0001 80 00 00'), enc(good)])), ctx);
    assert.deepEqual(r.errors, []);
    assert.equal(r.value.attributes[0]?.type, 'unknown');
  });
});

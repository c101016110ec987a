import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PathAttribute } from './attributes/types.ts';
import { decodePathAttributes, encodePathAttribute } from './attributes/path-attributes.ts';
import { parseCommunity, parseLargeCommunity, WellKnownCommunity } from './attributes/communities.ts';
import { BgpMessageError, NeedMoreBytes } from './errors.ts';
import { decodeMessage, encodeMessage } from './message.ts';
import type { BgpMessage } from './message.ts';
import { describeNotification, parseShutdownCommunication, shutdownCommunication } from './notification.ts';
import { AS_TRANS, parseBgpId, peerAsn } from './open.ts';
import { formatCidr, mustParseCidr, mustParseIp } from '../../lib/ip/index.ts';
import { endOfRib, endOfRibFamily } from './update.ts';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const MARKER = 'ff'.repeat(16);
const v6 = (s: string): bigint => mustParseIp(s).value;
const v4 = (s: string): bigint => mustParseIp(s).value;

const ctx4 = { fourOctetAs: true };
const ctx2 = { fourOctetAs: false };

const attributes: PathAttribute[] = [
  { type: 'origin', origin: 2 },
  { type: 'asPath', segments: [{ type: 'sequence', asns: [64512, 4200000000] }, { type: 'set', asns: [64513, 64514] }] },
  { type: 'nextHop', addr: v4('198.51.100.1') },
  { type: 'med', value: 4294967295 },
  { type: 'localPref', value: 100 },
  { type: 'atomicAggregate' },
  { type: 'aggregator', asn: 4200000000, addr: v4('198.51.100.9') },
  { type: 'communities', values: [WellKnownCommunity.GracefulShutdown, parseCommunity('64512:100')] },
  { type: 'largeCommunities', values: [parseLargeCommunity('4200000000:1:2')] },
  { type: 'as4Path', segments: [{ type: 'sequence', asns: [4200000000] }] },
  { type: 'mpReach', afi: 2, safi: 1, nextHop: { global: v6('2001:db8::1'), linkLocal: v6('fe80::1') }, nlri: [mustParseCidr('2001:db8:1::/48')] },
  { type: 'mpUnreach', afi: 2, safi: 1, withdrawn: [mustParseCidr('2001:db8:2::1/128'), mustParseCidr('::/0')] },
  { type: 'unknown', code: 99, flags: 0xe0, value: hex('01020304') },
];

const messages: BgpMessage[] = [
  { type: 'keepalive' },
  { type: 'notification', code: 6, subcode: 2, data: shutdownCommunication('maintenance') },
  { type: 'routeRefresh', afi: 2, safi: 1, subtype: 0 },
  {
    type: 'open', version: 4, myAs: AS_TRANS, holdTime: 90, bgpId: parseBgpId('203.0.113.2'), unknownParameters: [],
    capabilities: [
      { kind: 'multiprotocol', afi: 1, safi: 1 },
      { kind: 'multiprotocol', afi: 2, safi: 1 },
      { kind: 'routeRefresh' },
      { kind: 'fourOctetAs', asn: 4200000000 },
      { kind: 'gracefulRestart', restarting: true, notification: false, restartTime: 120, families: [{ afi: 1, safi: 1, forwarding: true }] },
      { kind: 'unknown', code: 73, value: hex('0474 6f72 3100') },
    ],
  },
  { type: 'update', withdrawn: [mustParseCidr('203.0.113.0/24')], attributes: [], nlri: [] },
  { type: 'update', withdrawn: [], attributes: attributes.slice(0, 9), nlri: [mustParseCidr('203.0.113.10/32'), mustParseCidr('198.51.100.0/25')] },
  endOfRib(4),
  endOfRib(6),
];

describe('codec round trip', () => {
  for (const m of messages) {
    it(`${m.type} survives encode → decode`, () => {
      const bytes = encodeMessage(m, ctx4);
      const { value, bytesRead } = decodeMessage(bytes, ctx4);
      assert.equal(bytesRead, bytes.length);
      assert.deepEqual(value, m);
    });
  }
  for (const a of attributes) {
    for (const ctx of [ctx4, ctx2]) {
      it(`attribute ${a.type} (${ctx.fourOctetAs ? 4 : 2}-octet AS)`, () => {
        const small = a.type === 'unknown' ? a : structuredClone(a); // 2-octet sessions can only carry AS_TRANS for large ASNs
        if (!ctx.fourOctetAs && small.type === 'asPath') small.segments = [{ type: 'sequence', asns: [64512, AS_TRANS] }];
        if (!ctx.fourOctetAs && small.type === 'aggregator') small.asn = AS_TRANS;
        const { attributes: out, errors } = decodePathAttributes(encodePathAttribute(small, ctx), ctx);
        assert.deepEqual(errors, []);
        assert.deepEqual(out, [small]);
      });
    }
  }
  it('uses the extended length flag above 255 bytes', () => {
    const a: PathAttribute = { type: 'communities', values: Array.from({ length: 100 }, (_, i) => i) };
    const bytes = encodePathAttribute(a, ctx4);
    assert.equal(bytes[0], 0xd0);
    assert.equal(bytes.readUInt16BE(2), 400);
    assert.deepEqual(decodePathAttributes(bytes, ctx4).attributes, [a]);
  });
});

describe('fixtures written from the RFC encodings', () => {
  it('KEEPALIVE is 19 bytes', () => {
    assert.deepEqual(encodeMessage({ type: 'keepalive' }), hex(`${MARKER} 0013 04`));
  });

  it('decodes an FRR-style OPEN (one capability per parameter, unknown ones kept)', () => {
    const bytes = hex(`${MARKER} 0051 01  04 fc00 00b4 c6336401 34
      02060104 00010001  02028000  02020200  02024600  02064104 0000fc00
      02064504 00010101  02084906 04746f72 3100  02044002 4078`);
    const open = decodeMessage(bytes).value;
    assert.equal(open.type, 'open');
    if (open.type !== 'open') return;
    assert.equal(peerAsn(open), 64512);
    assert.equal(open.holdTime, 180);
    assert.deepEqual(open.capabilities, [
      { kind: 'multiprotocol', afi: 1, safi: 1 },
      { kind: 'unknown', code: 128, value: Buffer.alloc(0) },
      { kind: 'routeRefresh' },
      { kind: 'unknown', code: 70, value: Buffer.alloc(0) },
      { kind: 'fourOctetAs', asn: 64512 },
      { kind: 'unknown', code: 69, value: hex('00010101') },
      { kind: 'unknown', code: 73, value: hex('04746f723100') },
      { kind: 'gracefulRestart', restarting: false, notification: true, restartTime: 120, families: [] },
    ]);
  });

  it('decodes a GoBGP-style OPEN (all capabilities in one parameter, AS_TRANS)', () => {
    const bytes = hex(`${MARKER} 003f 01  04 5ba0 005a cb007102 22
      0220  0200  4104fa56ea00  010400010001  010400020001  400a0078 00010180 00020180`);
    const open = decodeMessage(bytes).value;
    assert.ok(open.type === 'open');
    assert.equal(open.myAs, AS_TRANS);
    assert.equal(peerAsn(open), 4200000000);
    assert.deepEqual(open.capabilities.at(-1), {
      kind: 'gracefulRestart', restarting: false, notification: false, restartTime: 120,
      families: [{ afi: 1, safi: 1, forwarding: true }, { afi: 2, safi: 1, forwarding: true }],
    });
  });

  it('encodes an IPv4 UPDATE byte for byte', () => {
    const m: BgpMessage = {
      type: 'update', withdrawn: [], nlri: [mustParseCidr('203.0.113.10/32')],
      attributes: [
        { type: 'origin', origin: 0 },
        { type: 'asPath', segments: [{ type: 'sequence', asns: [64512] }] },
        { type: 'nextHop', addr: v4('198.51.100.1') },
        { type: 'communities', values: [parseCommunity('graceful-shutdown')] },
        { type: 'largeCommunities', values: [parseLargeCommunity('64512:1:2')] },
      ],
    };
    const attrs = '40010100 4002060201 0000fc00 400304c6336401 c00804ffff0000 c0200c0000fc00 00000001 00000002';
    const body = `0000 002a ${attrs} 20cb00710a`;
    assert.deepEqual(encodeMessage(m), hex(`${MARKER} ${(19 + hex(body).length).toString(16).padStart(4, '0')} 02 ${body}`));
  });

  it('decodes an IPv6 MP_REACH with global + link-local next hop and extended length', () => {
    const mp = '900e002c 0002 01 20 20010db8000000000000000000000001 fe800000000000000000000000000001 00 30 20010db80001';
    const body = hex(`0000 ${(hex(mp).length + 4 + 9).toString(16).padStart(4, '0')} ${mp} 40010100 4002060201 0000fc00`);
    const bytes = Buffer.concat([hex(MARKER), Buffer.from([0, 19 + body.length, 2]), body]);
    const m = decodeMessage(bytes).value;
    assert.ok(m.type === 'update');
    const reach = m.attributes[0];
    assert.ok(reach?.type === 'mpReach');
    assert.equal(formatCidr(reach.nlri[0]!), '2001:db8:1::/48');
    assert.deepEqual(reach.nextHop, { global: v6('2001:db8::1'), linkLocal: v6('fe80::1') });
  });

  it('recognises End-of-RIB markers', () => {
    assert.equal(endOfRibFamily(endOfRib(4)), 4);
    assert.equal(endOfRibFamily(endOfRib(6)), 6);
    assert.deepEqual(encodeMessage(endOfRib(4)), hex(`${MARKER} 0017 02 0000 0000`));
    assert.deepEqual(encodeMessage(endOfRib(6)), hex(`${MARKER} 001d 02 0000 0006 800f03 000201`));
  });

  it('reads the RFC 8203 shutdown communication', () => {
    const n = { code: 6, subcode: 2, data: shutdownCommunication('maintenance ✓') };
    assert.equal(parseShutdownCommunication(n), 'maintenance ✓');
    assert.equal(describeNotification(n), 'Cease / Administrative Shutdown: "maintenance ✓"');
    assert.equal(shutdownCommunication('x'.repeat(300)).length, 256);
  });
});

describe('header and message errors', () => {
  const err = (bytes: Buffer, code: number, subcode: number): void => {
    assert.throws(() => decodeMessage(bytes), (e: unknown) => e instanceof BgpMessageError && e.code === code && e.subcode === subcode);
  };
  it('needs more bytes for a partial message, distinct from malformed', () => {
    assert.throws(() => decodeMessage(hex(MARKER)), NeedMoreBytes);
    assert.throws(() => decodeMessage(hex(`${MARKER} 0017 02 0000`)), NeedMoreBytes);
  });
  it('rejects bad marker, length and type with code 1', () => {
    err(hex(`${'00'.repeat(16)} 0013 04`), 1, 1);
    err(hex(`${MARKER} 0012 04`), 1, 2);
    err(hex(`${MARKER} 1001 02`), 1, 2);
    err(hex(`${MARKER} 0014 04 00`), 1, 2);
    err(hex(`${MARKER} 0013 09`), 1, 3);
  });
  it('rejects an unsupported version with 2/1 and data = 4', () => {
    const bytes = hex(`${MARKER} 001d 01 03 fc00 005a c6336401 00`);
    assert.throws(() => decodeMessage(bytes), (e: unknown) => e instanceof BgpMessageError && e.subcode === 1 && e.data.equals(hex('0004')));
  });
  it('rejects a ROUTE-REFRESH of the wrong length with 7/1', () => err(hex(`${MARKER} 0018 05 00010001 00`), 7, 1));
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { BgpMessageError, NeedMoreBytes } from './errors.ts';
import { MessageSplitter } from './framer.ts';
import { decodeMessage, encodeMessage } from './message.ts';
import type { BgpMessage } from './message.ts';
import { buildOpen } from './negotiate.ts';
import { mustParseCidr } from '../../lib/ip/index.ts';
import { buildUpdates } from './build-updates.ts';
import { defaultSessionConfig } from './fsm-types.ts';

const MARKER = Buffer.alloc(16, 0xff);

function onlyProtocolErrors(bytes: Uint8Array, fourOctetAs: boolean): void {
  try {
    decodeMessage(Buffer.from(bytes), { fourOctetAs, ebgp: true });
  } catch (e) {
    if (!(e instanceof BgpMessageError) && !(e instanceof NeedMoreBytes)) throw e;
  }
}

const seeds: Buffer[] = [
  encodeMessage(buildOpen({ ...defaultSessionConfig, localAs: 4200000000, routerId: 1, peerAs: 'external', gracefulRestart: { restartTime: 120, forwarding: true } })),
  encodeMessage({ type: 'keepalive' }),
  encodeMessage({ type: 'notification', code: 6, subcode: 2, data: Buffer.from([3, 0x61, 0x62, 0x63]) }),
  encodeMessage({ type: 'routeRefresh', afi: 1, safi: 1, subtype: 0 }),
  ...buildUpdates(
    [
      { prefix: mustParseCidr('203.0.113.10/32'), attributes: { origin: 0, asPath: [64512], nextHop4: 0xc6336401n, communities: [1, 2], largeCommunities: [{ globalAdmin: 1, localData1: 2, localData2: 3 }], med: 5, localPref: 7 } },
      { prefix: mustParseCidr('2001:db8::1/128'), attributes: { origin: 0, asPath: [4200000000], nextHop6: { global: 1n, linkLocal: 2n } } },
    ],
    { fourOctetAs: true },
  ),
];

/** A valid message with a few bytes overwritten, inserted or removed: the framing stays plausible. */
const mutated = fc
  .record({
    seed: fc.constantFrom(...seeds),
    edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'insert', 'delete')), { minLength: 1, maxLength: 6 }),
    fixLength: fc.boolean(),
  })
  .map(({ seed, edits, fixLength }) => {
    const bytes = [...seed];
    for (const [pos, value, op] of edits) {
      const i = 16 + (pos % Math.max(1, bytes.length - 16)); // keep the marker mostly intact
      if (op === 'set') bytes[i] = value;
      else if (op === 'insert') bytes.splice(i, 0, value);
      else bytes.splice(i, 1);
    }
    const out = Buffer.from(bytes);
    if (fixLength && out.length >= 19 && out.length <= 4096) out.writeUInt16BE(out.length, 16);
    return out;
  });

describe('decode fuzzing: only BgpMessageError or NeedMoreBytes ever escapes', () => {
  it('random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), onlyProtocolErrors), { numRuns: 3000 });
  });
  it('random bodies behind a valid header', () => {
    const msg = fc.tuple(fc.integer({ min: 1, max: 5 }), fc.uint8Array({ maxLength: 300 })).map(([type, body]) => {
      const head = Buffer.alloc(3);
      head.writeUInt16BE(19 + body.length);
      head[2] = type;
      return Buffer.concat([MARKER, head, body]);
    });
    fc.assert(fc.property(msg, fc.boolean(), onlyProtocolErrors), { numRuns: 5000 });
  });
  it('mutated valid messages', () => {
    fc.assert(fc.property(mutated, fc.boolean(), onlyProtocolErrors), { numRuns: 10000 });
  });
  it('decoded mutations re-encode without throwing', () => {
    fc.assert(
      fc.property(mutated, (bytes) => {
        let m: BgpMessage;
        try {
          m = decodeMessage(bytes).value;
        } catch {
          return;
        }
        decodeMessage(encodeMessage(m));
      }),
      { numRuns: 5000 },
    );
  });
  it('the splitter yields the same messages however TCP chunks them', () => {
    const stream = Buffer.concat(seeds);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 100 }), (cuts) => {
        const s = new MessageSplitter();
        const out: Buffer[] = [];
        let pos = 0;
        for (let i = 0; pos < stream.length; i++) {
          const n = cuts[i % cuts.length] ?? 1;
          out.push(...s.push(stream.subarray(pos, pos + n)));
          pos += n;
        }
        assert.deepEqual(out, seeds);
        assert.equal(s.buffered, 0);
      }),
      { numRuns: 300 },
    );
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  decodeNeighborAdvertisement,
  decodeNeighborSolicitation,
  encodeNeighborAdvertisement,
  encodeNeighborSolicitation,
  isSolicitedNodeMulticast,
  neighborAdvertisementFor,
  solicitedNodeMulticast,
  unsolicitedNeighborAdvertisement,
} from './ndp.ts';

// A Neighbor Solicitation from Linux 6.18 captured by responder.netns.test.ts.
const capturedSolicitation = Buffer.from('8700dd370000000020010db802000000000000000000010001012eafd4d03774', 'hex');
const fromNeighbor = { source: '2001:db8:200::1', destination: 'ff02::1:ff00:100', hopLimit: 255 };

test('a captured Neighbor Solicitation decodes with its source link-layer address', () => {
  const got = decodeNeighborSolicitation(capturedSolicitation, fromNeighbor);
  assert.ok(got.ok);
  assert.deepEqual(got.value, { target: '2001:db8:200::100', sourceLinkLayer: '2e:af:d4:d0:37:74' });
});

test('a hop limit other than 255 is rejected (RFC 4861 7.1.1)', () => {
  for (const hopLimit of [254, 64, -1]) {
    const got = decodeNeighborSolicitation(capturedSolicitation, { ...fromNeighbor, hopLimit });
    assert.ok(!got.ok && got.error.reason === 'bad-hop-limit', String(hopLimit));
  }
});

test('DAD probes: no source link-layer option allowed, solicited-node destination required', () => {
  const dad = { source: '::', destination: 'ff02::1:ff00:100', hopLimit: 255 };
  const withOption = decodeNeighborSolicitation(capturedSolicitation, dad);
  assert.ok(!withOption.ok && withOption.error.reason === 'malformed');
  const probe = encodeNeighborSolicitation({ target: '2001:db8:200::100' });
  assert.ok(decodeNeighborSolicitation(probe, dad).ok);
  const wrongGroup = decodeNeighborSolicitation(probe, { ...dad, destination: 'ff02::1' });
  assert.ok(!wrongGroup.ok && wrongGroup.error.reason === 'malformed');
});

test('malformed solicitations are typed errors', () => {
  const multicastTarget = Buffer.from(capturedSolicitation);
  multicastTarget[8] = 0xff;
  const zeroLengthOption = Buffer.from(capturedSolicitation);
  zeroLengthOption[25] = 0;
  const cases: [Uint8Array, string][] = [
    [capturedSolicitation.subarray(0, 20), 'truncated'],
    [capturedSolicitation.subarray(0, 29), 'truncated'],
    [multicastTarget, 'malformed'],
    [zeroLengthOption, 'malformed'],
    [Buffer.from([136, 0]), 'unsupported'],
    [Buffer.from([135, 1, 0, 0]), 'malformed'],
    [new Uint8Array(0), 'truncated'],
  ];
  for (const [bytes, reason] of cases) {
    const got = decodeNeighborSolicitation(bytes);
    assert.ok(!got.ok, reason);
    assert.equal(got.error.reason, reason);
  }
});

test('unknown options are skipped', () => {
  const nonce = Buffer.from('0e01010203040506', 'hex'); // RFC 3971 nonce option
  const got = decodeNeighborSolicitation(Buffer.concat([capturedSolicitation, nonce]));
  assert.ok(got.ok && got.value.sourceLinkLayer === '2e:af:d4:d0:37:74');
});

test('solicited advertisement: S and O set, target link-layer option, back to the asker', () => {
  const ns = decodeNeighborSolicitation(capturedSolicitation, fromNeighbor);
  assert.ok(ns.ok);
  const out = neighborAdvertisementFor(ns.value, fromNeighbor, '02:00:5e:00:53:64');
  assert.equal(out.destination, '2001:db8:200::1');
  assert.equal(out.message.length, 32);
  assert.equal(out.message.readUInt16BE(2), 0, 'checksum is left to the kernel');
  assert.deepEqual(decodeNeighborAdvertisement(out.message, { source: '2001:db8:200::100', hopLimit: 255 }), {
    ok: true,
    value: { target: '2001:db8:200::100', targetLinkLayer: '02:00:5e:00:53:64', router: false, solicited: true, override: true },
  });
});

test('a DAD probe and a takeover get unsolicited advertisements to all nodes', () => {
  const dad = neighborAdvertisementFor({ target: '2001:db8:200::100' }, { source: '::', hopLimit: 255 }, '02:00:5e:00:53:64');
  assert.equal(dad.destination, 'ff02::1');
  const takeover = unsolicitedNeighborAdvertisement('2001:db8:200::100', '02:00:5e:00:53:64');
  assert.equal(takeover.destination, 'ff02::1');
  for (const { message } of [dad, takeover]) {
    const got = decodeNeighborAdvertisement(message);
    assert.ok(got.ok && !got.value.solicited && got.value.override);
  }
});

test('advertisements round-trip', () => {
  fc.assert(
    fc.property(fc.ipV6(), fc.boolean(), fc.boolean(), fc.boolean(), (ip, router, solicited, override) => {
      const target = ip.startsWith('ff') || ip.startsWith('FF') ? '2001:db8::1' : ip;
      const got = decodeNeighborAdvertisement(
        encodeNeighborAdvertisement({ target, targetLinkLayer: '02:00:5e:00:53:64', router, solicited, override }),
      );
      assert.ok(got.ok);
      assert.equal(got.value.router, router);
      assert.equal(got.value.solicited, solicited);
      assert.equal(got.value.override, override);
    }),
  );
});

test('solicited-node multicast group of an address (RFC 4291 2.7.1)', () => {
  assert.equal(solicitedNodeMulticast('2001:db8:200::100'), 'ff02::1:ff00:100');
  assert.equal(solicitedNodeMulticast('fe80::2aa:ff:fe28:9c5a'), 'ff02::1:ff28:9c5a');
  assert.equal(solicitedNodeMulticast('198.51.100.1'), undefined);
  assert.ok(isSolicitedNodeMulticast('ff02::1:ff28:9c5a'));
  assert.ok(!isSolicitedNodeMulticast('ff02::1'));
});

test('fuzz: NDP decoders never throw on random bytes', () => {
  const envelope = fc.record({
    source: fc.oneof(fc.constant('::'), fc.ipV6(), fc.string()),
    destination: fc.option(fc.oneof(fc.ipV6(), fc.string()), { nil: undefined }),
    hopLimit: fc.integer({ min: -1, max: 255 }),
  });
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 96 }), fc.option(envelope, { nil: undefined }), (bytes, ip) => {
      for (const got of [decodeNeighborSolicitation(bytes, ip), decodeNeighborAdvertisement(bytes, ip)]) {
        assert.ok(got.ok || got.error.kind === 'l2-decode-error');
      }
    }),
    { numRuns: 3000 },
  );
  // Valid headers with random options reach the option walker.
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (options) => {
      const bytes = Buffer.concat([capturedSolicitation.subarray(0, 24), options]);
      const got = decodeNeighborSolicitation(bytes, fromNeighbor);
      assert.ok(got.ok || got.error.kind === 'l2-decode-error');
    }),
    { numRuns: 3000 },
  );
});

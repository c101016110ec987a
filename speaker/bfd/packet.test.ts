import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { decodeControlPacket, encodeControlPacket, SESSION_STATES, type ControlPacket, type PacketErrorKind } from './packet.ts';

const base: ControlPacket = {
  diag: 0,
  state: 'Down',
  poll: false,
  final: false,
  controlPlaneIndependent: false,
  demand: false,
  detectMult: 3,
  myDiscriminator: 0x01020304,
  yourDiscriminator: 0,
  desiredMinTxUs: 1_000_000,
  requiredMinRxUs: 300_000,
  requiredMinEchoRxUs: 0,
};

// Built in the shape of FRR 8.4 bfdd's first packet to a new peer (Down, diag 0, mult 3,
// 1 s / 300 ms, echo 50 ms), not a capture.
const FRR_DOWN = Buffer.from('20400318' + '5b9c1f2e' + '00000000' + '000f4240' + '000493e0' + '0000c350', 'hex');

function rejects(bytes: Uint8Array, kind: PacketErrorKind): void {
  const r = decodeControlPacket(bytes);
  assert.equal(r.ok, false);
  if (!r.ok) assert.equal(r.error.kind, kind, r.error.message);
}

const mutate = (fn: (b: Buffer) => void): Buffer => {
  const b = Buffer.from(encodeControlPacket(base));
  fn(b);
  return b;
};

test('encode → decode round-trips every field', () => {
  const p: ControlPacket = { ...base, diag: 7, state: 'Up', poll: true, controlPlaneIndependent: true, yourDiscriminator: 0xfffffffe, requiredMinEchoRxUs: 50_000 };
  const r = decodeControlPacket(encodeControlPacket(p));
  assert.deepEqual(r, { ok: true, packet: p, bytesRead: 24 });
});

test('decodes a packet in the shape FRR sends first', () => {
  const r = decodeControlPacket(FRR_DOWN);
  assert.ok(r.ok);
  assert.equal(r.packet.state, 'Down');
  assert.equal(r.packet.myDiscriminator, 0x5b9c1f2e);
  assert.equal(r.packet.desiredMinTxUs, 1_000_000);
  assert.equal(r.packet.requiredMinRxUs, 300_000);
  assert.equal(r.packet.requiredMinEchoRxUs, 50_000);
});

test('decode reads from a Buffer slice of a pooled buffer, and ignores bytes after Length', () => {
  const pooled = Buffer.concat([Buffer.from('deadbeef', 'hex'), FRR_DOWN, Buffer.from('ff', 'hex')]);
  const r = decodeControlPacket(pooled.subarray(4));
  assert.ok(r.ok);
  assert.equal(r.packet.myDiscriminator, 0x5b9c1f2e);
  assert.equal(r.bytesRead, 24);
});

test('RFC 5880 §6.8.6 reception checks are errors, not exceptions', () => {
  rejects(new Uint8Array(0), 'truncated');
  rejects(FRR_DOWN.subarray(0, 23), 'truncated');
  rejects(mutate((b) => (b[0] = (2 << 5) | (b[0]! & 0x1f))), 'badVersion');
  rejects(mutate((b) => (b[0] = 0)), 'badVersion');
  rejects(mutate((b) => (b[3] = 23)), 'badLength');
  rejects(mutate((b) => (b[3] = 25)), 'truncated'); // Length beyond the datagram
  rejects(mutate((b) => (b[2] = 0)), 'zeroDetectMult');
  rejects(mutate((b) => (b[1]! |= 0x01)), 'multipoint');
  rejects(mutate((b) => b.writeUInt32BE(0, 4)), 'zeroMyDiscriminator');
  for (const state of ['Init', 'Up'] as const) {
    rejects(encodeControlPacket({ ...base, state, yourDiscriminator: 0 }), 'zeroYourDiscriminator');
  }
  for (const state of ['Down', 'AdminDown'] as const) {
    assert.ok(decodeControlPacket(encodeControlPacket({ ...base, state, yourDiscriminator: 0 })).ok);
  }
  // Authentication: 24 bytes + A bit is too short for an auth section; 26+ is discarded.
  rejects(mutate((b) => (b[1]! |= 0x04)), 'badLength');
  const withAuth = Buffer.concat([encodeControlPacket(base), Buffer.from([1, 5, 1, 0x61, 0x62])]);
  withAuth[1]! |= 0x04;
  withAuth[3] = withAuth.length;
  rejects(withAuth, 'authNotSupported');
});

test('fuzz: decode never throws, and what it accepts re-encodes to the same mandatory section', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0, maxLength: 64 }), (bytes) => {
      const r = decodeControlPacket(bytes);
      if (!r.ok) return;
      assert.ok(r.bytesRead >= 24 && r.bytesRead <= bytes.length);
      const again = encodeControlPacket(r.packet);
      // Length and the unsupported bits (A, M) are ours to set; the rest must match.
      assert.deepEqual(again.subarray(4, 24), Buffer.from(bytes.subarray(4, 24)));
      assert.deepEqual([...again.subarray(0, 3)], [...bytes.subarray(0, 3)]);
    }),
    { numRuns: 5000 },
  );
});

test('fuzz: valid packets round-trip', () => {
  const packet = fc.record({
    diag: fc.integer({ min: 0, max: 31 }),
    state: fc.constantFrom(...SESSION_STATES),
    poll: fc.boolean(),
    final: fc.boolean(),
    controlPlaneIndependent: fc.boolean(),
    demand: fc.boolean(),
    detectMult: fc.integer({ min: 1, max: 255 }),
    myDiscriminator: fc.integer({ min: 1, max: 2 ** 32 - 1 }),
    yourDiscriminator: fc.integer({ min: 1, max: 2 ** 32 - 1 }),
    desiredMinTxUs: fc.nat({ max: 2 ** 32 - 1 }),
    requiredMinRxUs: fc.nat({ max: 2 ** 32 - 1 }),
    requiredMinEchoRxUs: fc.nat({ max: 2 ** 32 - 1 }),
  });
  fc.assert(
    fc.property(packet, (p) => {
      assert.deepEqual(decodeControlPacket(encodeControlPacket(p)), { ok: true, packet: { ...p }, bytesRead: 24 });
    }),
  );
});

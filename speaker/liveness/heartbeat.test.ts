import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { claimsVersion, decodeHeartbeat, encodeHeartbeat, encodeHeartbeats, HEARTBEAT_HEADER_LENGTH, MAX_CLAIM_PARTS, type Heartbeat } from './heartbeat.ts';

const key = Buffer.from('portside-liveness-test-key');
const heartbeat: Heartbeat = {
  node: 'node-1',
  incarnation: 'a1b2c3d4e5f60718',
  seq: 42,
  sentAt: 1_700_000_000_000,
  links: [{ name: 'eth0', mac: '02:00:00:00:00:01' }],
};

test('round trip', () => {
  const decoded = decodeHeartbeat(encodeHeartbeat(heartbeat, key), key);
  assert.deepEqual(decoded, { ok: true, value: heartbeat });
});

test('a down link round-trips as up: false; an up link carries no flag', () => {
  const links = [{ name: 'eth0', mac: '02:00:00:00:00:01' }, { name: 'eth1', mac: '02:00:00:00:00:02', up: false }];
  const decoded = decodeHeartbeat(encodeHeartbeat({ ...heartbeat, links }, key), key);
  assert.deepEqual(decoded, { ok: true, value: { ...heartbeat, links } });
  const up = decodeHeartbeat(encodeHeartbeat({ ...heartbeat, links: [{ name: 'eth0', mac: '02:00:00:00:00:01', up: true }] }, key), key);
  assert.deepEqual(up.ok && up.value.links, [{ name: 'eth0', mac: '02:00:00:00:00:01' }]);
});

test('claims round-trip (v4 and v6, canonical); an empty list is a claim of nothing', () => {
  const claims = ['198.51.100.100', '203.0.113.7', '2001:db8::1', '2001:db8:300::100'];
  const decoded = decodeHeartbeat(encodeHeartbeat({ ...heartbeat, claims }, key), key);
  assert.deepEqual(decoded, { ok: true, value: { ...heartbeat, claims } });
  const none = decodeHeartbeat(encodeHeartbeat({ ...heartbeat, claims: [] }, key), key);
  assert.deepEqual(none, { ok: true, value: { ...heartbeat, claims: [] } });
});

test('claims that do not fit are left out and flagged; the heartbeat still fits one frame', () => {
  const claims = Array.from({ length: 400 }, (_, i) => `198.51.${100 + (i >> 8)}.${i & 255}`);
  const wire = encodeHeartbeat({ ...heartbeat, claims }, key);
  assert.ok(wire.length <= HEARTBEAT_HEADER_LENGTH + 1400);
  const decoded = decodeHeartbeat(wire, key);
  assert.ok(decoded.ok && decoded.value.claimsTruncated === true);
  assert.ok(decoded.ok && (decoded.value.claims?.length ?? 0) > 150);
  assert.deepEqual(decoded.ok && decoded.value.claims, claims.slice(0, decoded.ok ? decoded.value.claims?.length : 0));
});

test('decodes from a pooled Buffer slice (byteOffset != 0)', () => {
  const wire = encodeHeartbeat(heartbeat, key);
  const pool = Buffer.concat([Buffer.from('xxxxx'), wire]).subarray(5);
  assert.equal(decodeHeartbeat(pool, key).ok, true);
});

test('a wrong key is a bad signature', () => {
  const decoded = decodeHeartbeat(encodeHeartbeat(heartbeat, key), Buffer.from('another-key'));
  assert.equal(decoded.ok ? 'ok' : decoded.reason, 'bad-signature');
});

test('any flipped byte is dropped', () => {
  const wire = encodeHeartbeat(heartbeat, key);
  for (let i = 0; i < wire.length; i++) {
    const copy = Buffer.from(wire);
    copy[i] = (copy[i] ?? 0) ^ 0x01;
    assert.equal(decodeHeartbeat(copy, key).ok, false, `byte ${i}`);
  }
});

test('truncated, padded and foreign datagrams are dropped with a reason', () => {
  const wire = encodeHeartbeat(heartbeat, key);
  const reason = (b: Uint8Array) => {
    const d = decodeHeartbeat(b, key);
    return d.ok ? 'ok' : d.reason;
  };
  assert.equal(reason(wire.subarray(0, 10)), 'truncated');
  assert.equal(reason(wire.subarray(0, wire.length - 1)), 'truncated');
  assert.equal(reason(Buffer.concat([wire, Buffer.from([0])])), 'malformed');
  assert.equal(reason(Buffer.alloc(64)), 'malformed');
  const v2 = Buffer.from(wire);
  v2[4] = 2;
  assert.equal(reason(v2), 'bad-version');
});

test('a correctly signed payload with bad fields is malformed', () => {
  const wire = encodeHeartbeat({ ...heartbeat, seq: -1 }, key);
  const d = decodeHeartbeat(wire, key);
  assert.equal(d.ok ? 'ok' : d.reason, 'malformed');
  assert.throws(() => encodeHeartbeat({ ...heartbeat, links: Array.from({ length: 100 }, () => ({ name: 'x'.repeat(15), mac: '02:00:00:00:00:01' })) }, key), TypeError);
});

test('fuzz: random bytes never throw and never decode', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
      assert.equal(decodeHeartbeat(bytes, key).ok, false);
    }),
  );
  for (let i = 0; i < 200; i++) {
    const wire = encodeHeartbeat(heartbeat, key);
    const junk = Buffer.concat([wire.subarray(0, HEARTBEAT_HEADER_LENGTH), randomBytes(wire.length - HEARTBEAT_HEADER_LENGTH)]);
    assert.equal(decodeHeartbeat(junk, key).ok, false);
  }
});

test('a claims set too large for one heartbeat goes out whole in parts, each signed, with consecutive seqs', () => {
  const v4 = Array.from({ length: 300 }, (_, i) => `198.51.${100 + (i >> 8)}.${i & 255}`);
  const v6 = Array.from({ length: 100 }, (_, i) => `2001:db8:14::${(i + 1).toString(16)}`);
  const claims = [...v6, ...v4];
  let seq = 7;
  const { seq: _, ...rest } = heartbeat;
  const wires = encodeHeartbeats({ ...rest, claims }, () => seq++, key);
  assert.ok(wires.length >= 3 && wires.length <= MAX_CLAIM_PARTS, `${wires.length} parts`);
  const parts = wires.map((w) => {
    assert.ok(w.length <= HEARTBEAT_HEADER_LENGTH + 1400, 'each part fits one frame');
    const d = decodeHeartbeat(w, key);
    assert.ok(d.ok);
    return d.value;
  });
  assert.deepEqual(parts.map((p) => p.seq), wires.map((_w, i) => 7 + i));
  assert.deepEqual(parts.map((p) => p.claimsPart?.index), wires.map((_w, i) => i));
  assert.ok(parts.every((p) => p.claimsPart?.count === wires.length && p.claimsPart.version === claimsVersion(claims) && !p.claimsTruncated));
  assert.deepEqual(parts.flatMap((p) => p.claims ?? []).sort(), [...claims].sort(), 'every claim, once');
  assert.equal(claimsVersion([...claims].reverse()), claimsVersion(claims), 'the version names the set, not its order');
});

test('a set that fits is one heartbeat without parts', () => {
  const { seq: _, ...rest } = heartbeat;
  const wires = encodeHeartbeats({ ...rest, claims: ['203.0.113.1'] }, () => 1, key);
  assert.equal(wires.length, 1);
  const d = decodeHeartbeat(wires[0]!, key);
  assert.ok(d.ok && d.value.claimsPart === undefined && d.value.seq === 1);
});

test('the phase round-trips (starting, leaving); ready is the absence of it', () => {
  for (const phase of ['starting', 'leaving'] as const) {
    assert.deepEqual(decodeHeartbeat(encodeHeartbeat({ ...heartbeat, phase, claims: [] }, key), key), { ok: true, value: { ...heartbeat, phase, claims: [] } });
  }
  assert.equal(encodeHeartbeat(heartbeat, key).includes('"ph"'), false, 'a ready heartbeat is what older speakers send');
});

test('an unknown phase is malformed; unknown fields are ignored (how older decoders read "ph")', () => {
  const signed = (payload: object) => {
    const body = Buffer.from(JSON.stringify(payload));
    const header = Buffer.alloc(8);
    header.write('PSHB', 0, 'latin1');
    header.writeUInt8(1, 4);
    header.writeUInt16BE(body.length, 6);
    const mac = createHmac('sha256', key).update(header).update(body).digest();
    return Buffer.concat([header, mac, body]);
  };
  const base = { n: 'node-1', i: 'a1b2c3d4e5f60718', s: 42, t: 1_700_000_000_000, l: [['eth0', '02:00:00:00:00:01']] };
  assert.deepEqual(decodeHeartbeat(signed({ ...base, zz: 1 }), key), { ok: true, value: heartbeat });
  const bad = decodeHeartbeat(signed({ ...base, ph: 'x' }), key);
  assert.equal(bad.ok ? 'ok' : bad.reason, 'malformed');
});

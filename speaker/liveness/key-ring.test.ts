import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeHeartbeat, encodeHeartbeat } from './heartbeat.ts';
import { acceptedKeys, keyRing, rotate, signingKey } from './key-ring.ts';

const k = (n: number) => new Uint8Array(32).fill(n);
const OVERLAP = 1_000;

test('a new key is accepted at once, signs after the overlap, and the old one is accepted one overlap more', () => {
  let ring = keyRing(k(1));
  assert.deepEqual(acceptedKeys(ring, 0), [k(1)]);
  ring = rotate(ring, k(2), 100, OVERLAP);
  assert.deepEqual(signingKey(ring, 100), k(1), 'peers may not know the new key yet');
  assert.deepEqual(acceptedKeys(ring, 100), [k(1), k(2)], 'peers that saw it first may sign with it');
  assert.deepEqual(signingKey(ring, 1_099), k(1));
  assert.deepEqual(signingKey(ring, 1_100), k(2));
  assert.deepEqual(acceptedKeys(ring, 1_100), [k(2), k(1)], 'peers that saw it later still sign with the old one');
  assert.deepEqual(acceptedKeys(ring, 2_099), [k(2), k(1)]);
  assert.deepEqual(acceptedKeys(ring, 2_100), [k(2)], 'the old key is gone after two overlaps');
});

test('the same key again changes nothing; a second rotation mid-way keeps every key a peer may use', () => {
  const ring = rotate(keyRing(k(1)), k(1), 0, OVERLAP);
  assert.deepEqual(ring, keyRing(k(1)));
  const once = rotate(ring, k(2), 0, OVERLAP);
  assert.deepEqual(rotate(once, k(2), 500, OVERLAP), once, 'the pending key seen again does not restart its overlap');
  const twice = rotate(once, k(3), 500, OVERLAP);
  assert.deepEqual(signingKey(twice, 500), k(1));
  assert.deepEqual(acceptedKeys(twice, 500), [k(1), k(3), k(2)]);
  assert.deepEqual(signingKey(twice, 1_500), k(3));
  assert.deepEqual(acceptedKeys(twice, 1_500), [k(3), k(2), k(1)]);
  assert.deepEqual(acceptedKeys(twice, 2_500), [k(3)]);
});

test('a heartbeat signed with either key of a rotation decodes; with a key not in the set it is dropped', () => {
  const hb = { node: 'n1', incarnation: 'i', seq: 1, sentAt: 1, links: [] };
  assert.equal(decodeHeartbeat(encodeHeartbeat(hb, k(2)), [k(1), k(2)]).ok, true);
  assert.equal(decodeHeartbeat(encodeHeartbeat(hb, k(1)), [k(1), k(2)]).ok, true);
  const stray = decodeHeartbeat(encodeHeartbeat(hb, k(3)), [k(1), k(2)]);
  assert.equal(stray.ok ? 'accepted' : stray.reason, 'bad-signature');
});

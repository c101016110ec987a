import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Bitmap } from './bitmap.ts';
import { buggyCount, makeAddressSet } from './address-set.ts';
import { range } from './fixtures.ts';

test('Bitmap: first clear bit skips set ones, honours from, never returns padding', () => {
  const b = new Bitmap(13);
  assert.equal(b.firstClear(), 0);
  for (let i = 0; i < 12; i++) b.set(i);
  assert.equal(b.firstClear(), 12);
  b.set(12);
  assert.equal(b.firstClear(), -1, 'full: padding bits 13..15 are not free');
  b.clear(5);
  assert.equal(b.firstClear(), 5);
  assert.equal(b.firstClear(6), -1);
  assert.equal(b.set(5), false);
  assert.equal(b.set(5), true, 'set reports it was set');
  assert.throws(() => b.set(13), RangeError);
});

test('Bitmap: a /16 fills in order and finds a hole anywhere', () => {
  const b = new Bitmap(65536);
  for (let i = 0; i < 65536; i++) {
    assert.equal(b.firstClear(), i);
    b.set(i);
  }
  assert.equal(b.firstClear(), -1);
  b.clear(40000);
  assert.equal(b.firstClear(), 40000);
  assert.equal(b.firstClear(40001), -1);
});

test('Bitmap: matches a plain boolean array under random set/clear (property)', () => {
  fc.assert(fc.property(
    fc.integer({ min: 1, max: 3000 }),
    fc.array(fc.tuple(fc.boolean(), fc.nat(), fc.nat()), { maxLength: 300 }),
    (size, ops) => {
      const b = new Bitmap(size);
      const model = new Array<boolean>(size).fill(false);
      for (const [on, i0, from0] of ops) {
        const i = i0 % size;
        if (on) b.set(i); else b.clear(i);
        model[i] = on;
        const from = from0 % size;
        assert.equal(b.firstClear(from), model.indexOf(false, from));
      }
    },
  ));
});

test('buggyCount counts .0 and .255 in a range', () => {
  assert.equal(buggyCount(range('198.51.100.250-198.51.101.8')), 2n);
  assert.equal(buggyCount(range('198.51.100.0/24')), 2n);
  assert.equal(buggyCount(range('198.51.100.1-198.51.100.254')), 0n);
  assert.equal(buggyCount(range('100.64.0.0/16')), 512n);
  assert.equal(buggyCount(range('0.0.0.0-0.0.0.0')), 1n);
  assert.equal(buggyCount(range('2001:db8::/120')), 0n);
});

test('address sets: dense and sparse both agree with a model, incl. avoidBuggyIPs (property)', () => {
  const spans = ['198.51.100.0/24', '198.51.100.250-198.51.101.8', '203.0.113.7-203.0.113.9', '2001:db8::ff-2001:db8::1ff'];
  fc.assert(fc.property(
    fc.constantFrom(...spans), fc.boolean(),
    fc.array(fc.tuple(fc.boolean(), fc.nat()), { maxLength: 200 }),
    (span, avoid, ops) => {
      const r = range(span);
      const size = Number(r.last - r.first + 1n);
      const sets = [makeAddressSet(r, avoid, 'dense'), makeAddressSet(r, avoid, 'sparse')];
      const used = new Set<bigint>();
      const usable = (v: bigint) => !(avoid && r.family === 4 && ((v & 0xffn) === 0n || (v & 0xffn) === 255n));
      for (const [add, n] of ops) {
        const v = r.first + BigInt(n % size);
        if (!usable(v)) continue;
        for (const s of sets) { if (add) s.add(v); else s.delete(v); }
        if (add) used.add(v); else used.delete(v);
        let lowest: bigint | undefined;
        for (let x = r.first; x <= r.last; x++) if (usable(x) && !used.has(x)) { lowest = x; break; }
        for (const s of sets) {
          assert.equal(s.lowestFree(), lowest);
          assert.equal(s.used, used.size);
          assert.equal(s.has(v), used.has(v));
        }
      }
      let total = 0n;
      for (let x = r.first; x <= r.last; x++) if (usable(x)) total++;
      for (const s of sets) assert.equal(s.usable, total);
    },
  ));
});

test('address sets: a /64 is sparse and finds gaps by binary search', () => {
  const s = makeAddressSet(range('2001:db8::/64'), false);
  const base = range('2001:db8::/64').first;
  for (let i = 0n; i < 1000n; i++) s.add(base + i);
  assert.equal(s.lowestFree(), base + 1000n);
  s.delete(base + 500n);
  assert.equal(s.lowestFree(), base + 500n);
  s.add(base + 500n);
  s.add(base + (1n << 64n) - 1n);
  assert.equal(s.lowestFree(), base + 1000n);
  assert.equal(s.usable, 1n << 64n);
  assert.equal(s.used, 1001);
});

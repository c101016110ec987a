import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isNativeAvailable, mallocTrim, mallocTrimThreshold } from '../../native/index.ts';
import { startMallocTrim, TRIM_EVERY_MS, TRIM_THRESHOLD_BYTES, type Malloc } from './malloc-trim.ts';

function fakeMalloc(thresholdTakes = true): Malloc & { thresholds: number[]; trims: number } {
  const m = {
    thresholds: [] as number[],
    trims: 0,
    trimThreshold(bytes: number) {
      m.thresholds.push(bytes);
      return thresholdTakes;
    },
    trim() {
      m.trims++;
      return true;
    },
  };
  return m;
}

test('sets the fixed trim threshold once and trims every period until stopped', (t) => {
  t.mock.timers.enable({ apis: ['setInterval'] });
  const malloc = fakeMalloc();
  const trimming = startMallocTrim({ malloc });
  assert.deepEqual(malloc.thresholds, [TRIM_THRESHOLD_BYTES]);
  assert.equal(malloc.trims, 0);
  t.mock.timers.tick(TRIM_EVERY_MS - 1);
  assert.equal(malloc.trims, 0);
  t.mock.timers.tick(1);
  assert.equal(malloc.trims, 1);
  t.mock.timers.tick(2 * TRIM_EVERY_MS);
  assert.equal(malloc.trims, 3);
  trimming.stop();
  t.mock.timers.tick(5 * TRIM_EVERY_MS);
  assert.equal(malloc.trims, 3);
});

test('a C library that is not glibc (the threshold not taken): never trims', (t) => {
  t.mock.timers.enable({ apis: ['setInterval'] });
  const malloc = fakeMalloc(false);
  startMallocTrim({ malloc, everyMs: 10 });
  t.mock.timers.tick(100);
  assert.equal(malloc.trims, 0);
});

test('the native addon: glibc takes the threshold and a trim runs', { skip: !isNativeAvailable() && 'native addon not built' }, () => {
  assert.equal(mallocTrimThreshold(TRIM_THRESHOLD_BYTES), true);
  // Free pages inside the main heap: many small blocks, every other one freed.
  const keep = [];
  for (let i = 0; i < 20_000; i++) {
    const b = Buffer.allocUnsafeSlow(2_000);
    if (i % 2 === 0) keep.push(b);
  }
  assert.equal(typeof mallocTrim(), 'boolean');
  assert.equal(keep.length, 10_000);
  assert.throws(() => mallocTrimThreshold(-1), /bytes must not be negative/);
});

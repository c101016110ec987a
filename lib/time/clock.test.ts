import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock, monotonicClock, systemClock } from './clock.ts';

test('FakeClock fires due timers in time order, each at its own time', () => {
  const clock = new FakeClock(1_000);
  const fired: string[] = [];
  clock.setTimeout(() => fired.push(`b@${clock.now()}`), 20);
  clock.setTimeout(() => {
    fired.push(`a@${clock.now()}`);
    clock.setTimeout(() => fired.push(`c@${clock.now()}`), 5); // set while advancing: due within it
  }, 10);
  const late = clock.setTimeout(() => fired.push('late'), 100);
  assert.deepEqual(clock.delays(), [10, 20, 100]);
  clock.advance(30);
  assert.deepEqual(fired, ['a@1010', 'c@1015', 'b@1020']);
  assert.equal(clock.now(), 1_030);
  assert.deepEqual(clock.delays(), [70]);
  clock.clearTimeout(late);
  clock.advance(1_000);
  assert.equal(clock.pending(), 0);
  assert.deepEqual(fired, ['a@1010', 'c@1015', 'b@1020']);
});

test('FakeClock treats a negative delay as 0', () => {
  const clock = new FakeClock();
  let fired = false;
  clock.setTimeout(() => (fired = true), -5);
  clock.advance(0);
  assert.ok(fired);
});

test('the real clocks fire timers without holding the process open, and clear them', async () => {
  for (const clock of [systemClock, monotonicClock]) {
    const before = clock.now();
    await new Promise<void>((resolve) => {
      clock.setTimeout(resolve, 5);
      clock.clearTimeout(clock.setTimeout(() => assert.fail('cleared timer fired'), 1));
      setTimeout(() => undefined, 50); // a ref'd timer keeps this test's loop alive
    });
    assert.ok(clock.now() - before >= 4);
    assert.equal((clock.setTimeout(() => undefined, 0).id as NodeJS.Timeout).hasRef(), false);
  }
  assert.ok(Math.abs(systemClock.now() - Date.now()) < 1_000, 'systemClock is wall time');
});

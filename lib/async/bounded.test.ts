import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eachBounded, timesBounded } from './bounded.ts';

const tick = () => new Promise((r) => setImmediate(r));

test('eachBounded runs every item with at most `limit` in flight', async () => {
  let running = 0;
  let most = 0;
  const seen: number[] = [];
  await eachBounded([1, 2, 3, 4, 5, 6, 7], 3, async (x) => {
    running++;
    most = Math.max(most, running);
    await tick();
    seen.push(x);
    running--;
  });
  assert.equal(most, 3);
  assert.deepEqual(seen.sort(), [1, 2, 3, 4, 5, 6, 7]);
});

test('eachBounded: after a failure nothing new starts, running ones finish, the first failure is thrown', async () => {
  const started: number[] = [];
  let finished = 0;
  await assert.rejects(eachBounded([0, 1, 2, 3, 4, 5], 2, async (x) => {
    started.push(x);
    await tick();
    if (x === 1) throw new Error('one');
    if (x === 2) throw new Error('two');
    finished++;
  }), /one/);
  assert.deepEqual(started, [0, 1, 2]);
  assert.equal(finished, 1);
});

test('timesBounded passes the indexes; nothing to do resolves', async () => {
  const seen: number[] = [];
  await timesBounded(4, 10, async (i) => void seen.push(i));
  assert.deepEqual(seen, [0, 1, 2, 3]);
  await eachBounded([], 4, async () => assert.fail('no items'));
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffDelay } from './backoff.ts';
import { FakeClock } from '../time/clock.ts';
import { Reconcile, WorkQueue } from './workqueue.ts';

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => {};
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

test('adding a waiting key again is a no-op (level-based)', async () => {
  const q = new WorkQueue({ clock: new FakeClock() });
  q.add('a');
  q.add('b');
  q.add('a');
  assert.equal(q.length(), 2);
  const seen: string[] = [];
  q.run(async (k) => void seen.push(k));
  await q.idle();
  assert.deepEqual(seen, ['a', 'b']);
});

test('a key added while processing runs once more afterwards, never concurrently', async () => {
  const q = new WorkQueue({ clock: new FakeClock() });
  const gate = deferred();
  let running = 0;
  let maxRunning = 0;
  let calls = 0;
  q.run(async () => {
    calls++;
    running++;
    maxRunning = Math.max(maxRunning, running);
    if (calls === 1) await gate.promise;
    running--;
  }, 4);
  q.add('a');
  await settle();
  q.add('a');
  q.add('a');
  await settle();
  assert.equal(calls, 1, 'second run waits for the first');
  gate.resolve();
  await q.idle();
  assert.equal(calls, 2);
  assert.equal(maxRunning, 1);
});

test('N workers process distinct keys in parallel', async () => {
  const q = new WorkQueue({ clock: new FakeClock() });
  const gate = deferred();
  let running = 0;
  let maxRunning = 0;
  q.run(async () => {
    running++;
    maxRunning = Math.max(maxRunning, running);
    await gate.promise;
    running--;
  }, 3);
  for (const k of ['a', 'b', 'c', 'd', 'e']) q.add(k);
  await settle();
  assert.equal(maxRunning, 3);
  gate.resolve();
  await q.idle();
});

test('setWorkers raises how many keys run at once, from the next one', async () => {
  const q = new WorkQueue({ clock: new FakeClock() });
  const gate = deferred();
  let running = 0;
  let maxRunning = 0;
  q.run(async () => {
    running++;
    maxRunning = Math.max(maxRunning, running);
    await gate.promise;
    running--;
  }, 1);
  for (const k of ['a', 'b', 'c', 'd', 'e']) q.add(k);
  await settle();
  assert.equal(maxRunning, 1);
  q.setWorkers(3);
  await settle();
  assert.equal(maxRunning, 3);
  gate.resolve();
  await q.idle();
});

test('addAfter fires on the injected clock and keeps the earliest time', async () => {
  const clock = new FakeClock();
  const q = new WorkQueue({ clock });
  const seen: string[] = [];
  q.run(async (k) => void seen.push(k));
  q.addAfter('a', 100);
  q.addAfter('a', 50);
  q.addAfter('a', 500);
  clock.advance(49);
  await settle();
  assert.deepEqual(seen, []);
  clock.advance(1);
  await q.idle();
  assert.deepEqual(seen, ['a']);
  clock.advance(1_000);
  await q.idle();
  assert.deepEqual(seen, ['a'], 'later timers for the same key were merged');
});

test('a failing key backs off exponentially per key; success forgets', async () => {
  const clock = new FakeClock();
  const errors: number[] = [];
  const q = new WorkQueue({
    clock,
    backoff: { baseMs: 10, maxMs: 1_000, jitter: 0 },
    onError: (_k, _e, _o, n) => errors.push(n),
  });
  const times: number[] = [];
  let failUntil = 4;
  q.run(async () => {
    times.push(clock.now());
    if (times.length < failUntil) throw new Error('boom');
  });
  q.add('a');
  await settle();
  for (let i = 0; i < 10; i++) {
    clock.advance(10);
    await settle();
  }
  await q.idle();
  // first try at 0, retries after 10, 20, 40 ms
  assert.deepEqual(times, [0, 10, 30, 70]);
  assert.deepEqual(errors, [1, 2, 3]);
  assert.equal(q.numRequeues('a'), 0, 'success forgot the failures');
  failUntil = 0;
});

test('terminal results are reported and not retried; requeueAfter re-adds', async () => {
  const clock = new FakeClock();
  const outcomes: string[] = [];
  const q = new WorkQueue({ clock, onError: (k, _e, o) => outcomes.push(`${k}:${o}`) });
  let runsB = 0;
  q.run(async (k) => {
    if (k === 'a') return Reconcile.terminal(new Error('bad object'));
    runsB++;
    return runsB === 1 ? Reconcile.requeueAfter(1_000) : Reconcile.success;
  });
  q.add('a');
  q.add('b');
  await q.idle();
  clock.advance(5_000);
  await q.idle();
  assert.deepEqual(outcomes, ['a:terminal']);
  assert.equal(runsB, 2);
  assert.equal(clock.pending(), 0);
});

test('shutdown drops pending timers and waits for in-flight work', async () => {
  const clock = new FakeClock();
  const q = new WorkQueue({ clock });
  const gate = deferred();
  let finished = false;
  q.run(async () => {
    await gate.promise;
    finished = true;
  });
  q.add('a');
  q.addAfter('b', 100);
  await settle();
  const done = q.shutdown();
  assert.equal(clock.pending(), 0);
  gate.resolve();
  await done;
  assert.equal(finished, true);
  q.add('c');
  assert.equal(q.length(), 0, 'no adds after shutdown');
});

test('backoffDelay doubles, caps and jitters within bounds', () => {
  const p = { baseMs: 100, maxMs: 1_000, jitter: 0 };
  assert.deepEqual([1, 2, 3, 4, 5, 60].map((n) => backoffDelay(p, n)), [100, 200, 400, 800, 1_000, 1_000]);
  const j = { baseMs: 100, maxMs: 10_000, jitter: 0.5 };
  assert.equal(backoffDelay(j, 1, () => 0), 50);
  assert.equal(backoffDelay(j, 1, () => 1), 150);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventQueue, type EventTarget } from './events.ts';

test('EventQueue: a few in flight, a bounded backlog, the newest dropped and counted; targets keep only what the Event names', async () => {
  const started: Array<{ target: EventTarget; reason: string; done: () => void }> = [];
  const recorder = {
    record: (target: EventTarget, _type: string, reason: string) => new Promise<void>((done) => void started.push({ target, reason, done })),
  };
  const q = new EventQueue(recorder, { inFlight: 2, backlog: 3 });
  const big = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'a', namespace: 'n', uid: 'u', resourceVersion: '9', labels: { x: 'y' } } };
  for (let i = 0; i < 7; i++) q.record({ ...big, metadata: { ...big.metadata, name: `s${i}` } }, 'Normal', `r${i}`, 'm');
  assert.deepEqual(started.map((s) => s.reason), ['r0', 'r1'], 'two in flight');
  assert.equal(q.dropped(), 2, '3 waiting, the 2 newest dropped');
  assert.deepEqual(started[0]?.target, { apiVersion: 'v1', kind: 'Service', metadata: { name: 's0', namespace: 'n', uid: 'u' } });
  started[0]?.done();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(started.map((s) => s.reason), ['r0', 'r1', 'r2']);
  for (let i = 1; i < 5; i++) {
    started[i]?.done();
    await new Promise((r) => setImmediate(r));
  }
  assert.deepEqual(started.map((s) => s.reason), ['r0', 'r1', 'r2', 'r3', 'r4']);
});

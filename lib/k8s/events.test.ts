import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventQueue, EventRecorder, type EventTarget } from './events.ts';
import type { KubeApi } from './kube-api.ts';
import { FakeClock } from '../time/clock.ts';

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

test('EventRecorder: the Event body is rendered as text, field for field what an object through JSON.stringify gave; a repeat patches the count', async () => {
  const posts: Array<{ method: string; path: string; body: string }> = [];
  const patches: Array<{ path: string; body: unknown }> = [];
  const api = {
    json: { request: async (_m: string, path: string, o: { body: unknown }) => void patches.push({ path, body: o.body }) },
    pipeline: { send: async (method: string, path: string, body: string) => void posts.push({ method, path, body }) },
  } as unknown as KubeApi;
  const clock = new FakeClock(Date.parse('2026-12-06T01:02:03.456Z'));
  const recorder = new EventRecorder(api, { component: 'portside-controller', clock });
  const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop', uid: 'u-1', resourceVersion: '7' } };
  const message = 'Assigned IP 2001:db8::1 from pool "a\\b" — ünïcode\n';
  await recorder.normal(svc, 'IPAllocated', message);
  await recorder.warning({ kind: 'Node', metadata: { name: 'n1' } }, 'Odd', 'x');
  await recorder.normal(svc, 'IPAllocated', message);
  assert.equal(posts.length, 2);
  assert.equal(posts[0]!.method, 'POST');
  assert.equal(posts[0]!.path, '/api/v1/namespaces/shop/events');
  const name = (JSON.parse(posts[0]!.body) as { metadata: { name: string } }).metadata.name;
  assert.match(name, /^web\.[0-9a-f]+$/);
  const now = '2026-12-06T01:02:03.456Z';
  assert.equal(posts[0]!.body, JSON.stringify({
    metadata: { name, namespace: 'shop' },
    involvedObject: { apiVersion: 'v1', kind: 'Service', name: 'web', namespace: 'shop', uid: 'u-1' },
    type: 'Normal', reason: 'IPAllocated', message,
    source: { component: 'portside-controller' }, reportingComponent: 'portside-controller', reportingInstance: '',
    firstTimestamp: now, lastTimestamp: now, count: 1,
  }));
  // No namespace: the Event goes to default; undefined fields are left out as JSON.stringify leaves them.
  assert.equal(posts[1]!.path, '/api/v1/namespaces/default/events');
  assert.deepEqual((JSON.parse(posts[1]!.body) as { involvedObject: unknown }).involvedObject, { kind: 'Node', name: 'n1' });
  assert.deepEqual(patches, [{ path: `/api/v1/namespaces/shop/events/${name}`, body: { count: 2, lastTimestamp: now } }]);
  const withHost = new EventRecorder(api, { component: 'portside-speaker', instance: 'node-a', clock });
  await withHost.normal(svc, 'nodeAssigned', 'm');
  const body = JSON.parse(posts[2]!.body) as Record<string, unknown>;
  assert.deepEqual([body.source, body.reportingComponent, body.reportingInstance], [{ component: 'portside-speaker', host: 'node-a' }, 'portside-speaker', 'node-a']);
});

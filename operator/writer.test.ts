// ApiServiceWriter's Event policy (no API server): Events wait while any Service write is in
// flight, then go out many at once in batches; writes that never stop let one out at a time
// once the oldest has waited EVENT_HOLD_MAX_MS; the backlog stays bounded.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Service } from '@kubernetes/client-node';
import { decodeList, SERVICE_LIST } from '../lib/k8s/index.ts';
import type { EventTarget, RequestPipeline } from '../lib/k8s/index.ts';
import { ApiServiceWriter, EVENT_HOLD_MAX_MS, EVENTS_IN_FLIGHT_ALONE, EVENTS_REFILL_AT, replacement } from './writer.ts';

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

function svc(i: number): V1Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name: `lb${i}`, namespace: 'app', uid: `u${i}`, resourceVersion: '1' } };
}

/** A pipeline whose writes end when the test says, and a recorder whose Events do too. */
function harness(now?: () => number) {
  const writes: Array<(text: string) => void> = [];
  const pipeline = {
    request: () => new Promise<string>((resolve) => writes.push(resolve)),
  } as unknown as RequestPipeline;
  const events: Array<{ name: string | undefined; done: () => void }> = [];
  const recorder = {
    record: (target: EventTarget) => new Promise<void>((done) => void events.push({ name: target.metadata?.name, done })),
  };
  const writer = new ApiServiceWriter(pipeline, recorder, 'portside-controller', now);
  const answer = (i: number): string => JSON.stringify({ ...svc(i), metadata: { ...svc(i).metadata, resourceVersion: '2' } });
  const apply = (i: number): Promise<unknown> => writer.apply(svc(i), { status: { loadBalancer: { ingress: [{ ip: `2001:db8::${i}` }] } }, annotations: undefined });
  return { writes, events, writer, answer, apply };
}

test('Events wait while Service writes are in flight, and all go out after, in batches of the refill', async () => {
  const h = harness();
  const total = EVENTS_IN_FLIGHT_ALONE + 2 * EVENTS_REFILL_AT + 5;
  // A backlog: a write in flight, the Events of those done recorded meanwhile.
  const first = h.apply(0);
  for (let i = 0; i < total; i++) h.writer.event(svc(i), 'Normal', 'IPAllocated', `Assigned IP 2001:db8::${i}`);
  await turn();
  assert.equal(h.events.length, 0, 'no Event starts while a Service write is in flight');
  // A worker whose write ended starts its next one in the same turn: the Events stay held.
  const second = first.then(() => h.apply(1));
  h.writes[0]!(h.answer(0));
  await first;
  await turn();
  await turn();
  assert.equal(h.writes.length, 2, 'the next write is in flight');
  assert.equal(h.events.length, 0, 'still held: the next write started in the turn the last one ended');
  h.writes[1]!(h.answer(1));
  await second;
  await turn();
  assert.equal(h.events.length, EVENTS_IN_FLIGHT_ALONE, 'no write in flight: many at once');
  // One ends: no refill until the refill mark, then up to the limit together.
  for (let i = 0; i < EVENTS_IN_FLIGHT_ALONE - EVENTS_REFILL_AT - 1; i++) h.events[i]!.done();
  await turn();
  assert.equal(h.events.length, EVENTS_IN_FLIGHT_ALONE, 'above the refill mark: none started');
  h.events[EVENTS_IN_FLIGHT_ALONE - EVENTS_REFILL_AT - 1]!.done();
  await turn();
  assert.equal(h.events.length, 2 * EVENTS_IN_FLIGHT_ALONE - EVENTS_REFILL_AT, 'at the mark: refilled to the limit in one turn');
  for (let n = 0; n < 10 && h.events.length < total; n++) {
    for (const e of h.events) e.done();
    await turn();
  }
  assert.deepEqual(h.events.map((e) => e.name), Array.from({ length: total }, (_, i) => `lb${i}`), 'every Event written, in order, none dropped');
  assert.equal(h.writer.droppedEvents(), 0);
});

test('writes that never stop: once the oldest Event has waited EVENT_HOLD_MAX_MS, one at a time beside them', async () => {
  let now = 1_000;
  const h = harness(() => now);
  void h.apply(0);
  for (let i = 0; i < 3; i++) h.writer.event(svc(i), 'Normal', 'IPAllocated', 'm');
  await turn();
  assert.equal(h.events.length, 0);
  now += EVENT_HOLD_MAX_MS;
  h.writer.event(svc(3), 'Normal', 'IPAllocated', 'm'); // anything that pumps (or the queue's recheck timer)
  assert.equal(h.events.length, 1, 'one beside the writes');
  h.events[0]!.done();
  await turn();
  assert.equal(h.events.length, 2, 'the next once it ended');
  assert.equal(h.writes.length, 1, 'the write is still in flight');
});

test('the status write: a replace (PUT) of a whole Service, a merge patch of one decoded without a field or without a resourceVersion', async () => {
  const sent: Array<{ method: string; path: string; body: Record<string, unknown>; type: string }> = [];
  const pipeline = {
    request: (method: string, path: string, body: string, type: string) => {
      sent.push({ method, path, body: JSON.parse(body) as Record<string, unknown>, type });
      return Promise.resolve(JSON.stringify({ metadata: { name: 's', namespace: 'app', resourceVersion: '9', annotations: { 'portside.dev/ip-allocated-from-pool': 'p' } } }));
    },
  } as unknown as RequestPipeline;
  const writer = new ApiServiceWriter(pipeline, { record: () => Promise.resolve() });
  const patches = { status: { loadBalancer: { ingress: [{ ip: '2001:db8::1' }] } }, annotations: { 'portside.dev/ip-allocated-from-pool': 'p', gone: null } };
  const base: V1Service = {
    metadata: { name: 's', namespace: 'app', resourceVersion: '5', labels: { a: 'b' }, annotations: { gone: 'x', kept: 'y' }, finalizers: ['f'] },
    spec: { type: 'LoadBalancer' },
    // A member this code does not know, where the merge patch would keep it: the replace keeps it too.
    status: { conditions: [{ type: 'Other', status: 'True', reason: 'R', message: '', lastTransitionTime: new Date(0) }], loadBalancer: { newer: 1 } as object },
  };
  await writer.apply(base, patches);
  assert.equal(sent[0]!.method, 'PUT');
  assert.equal(sent[0]!.path, '/api/v1/namespaces/app/services/s/status?fieldManager=portside-controller');
  assert.deepEqual(sent[0]!.body, JSON.parse(JSON.stringify({
    metadata: { name: 's', namespace: 'app', resourceVersion: '5', labels: { a: 'b' }, annotations: { kept: 'y', 'portside.dev/ip-allocated-from-pool': 'p' }, finalizers: ['f'] },
    spec: { type: 'LoadBalancer' },
    status: { conditions: base.status!.conditions, loadBalancer: { newer: 1, ...patches.status.loadBalancer } },
  })));
  assert.deepEqual(JSON.parse(JSON.stringify(replacement(base, { status: { conditions: [] }, annotations: undefined }))).metadata.annotations, { gone: 'x', kept: 'y' });
  assert.equal(replacement({ ...base, metadata: { ...base.metadata, managedFields: [{ manager: 'm' }] } }, patches).metadata?.managedFields, undefined);
  assert.deepEqual(base.metadata!.annotations, { gone: 'x', kept: 'y' }, 'the cached Service is not changed');

  // A Service from a protobuf list with a metadata field this decoder does not know (number 15).
  const bytes = (n: number, s: string): number[] => [n << 3 | 2, s.length, ...Buffer.from(s)];
  const meta = [...bytes(1, 's'), ...bytes(3, 'app'), ...bytes(6, '5'), ...bytes(15, 'new')];
  const item = [0x0a, meta.length, ...meta];
  const raw = [0x12, item.length, ...item];
  const kind = bytes(2, 'ServiceList');
  const partial = decodeList<V1Service>(Buffer.from([0x6b, 0x38, 0x73, 0x00, 0x0a, kind.length, ...kind, 0x12, raw.length, ...raw]), SERVICE_LIST).items[0]!;
  assert.equal(partial.metadata?.resourceVersion, '5');
  for (const svc of [partial, { ...base, metadata: { ...base.metadata, resourceVersion: undefined } }]) {
    sent.length = 0;
    await writer.apply(svc, patches);
    assert.equal(sent[0]!.method, 'PATCH');
    assert.equal(sent[0]!.type, 'application/merge-patch+json');
    assert.deepEqual(sent[0]!.body, JSON.parse(JSON.stringify({ metadata: { resourceVersion: svc.metadata?.resourceVersion, annotations: patches.annotations }, status: patches.status })));
  }
});

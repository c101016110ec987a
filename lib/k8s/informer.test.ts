import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubernetesObject } from '@kubernetes/client-node';
import { InformerSupervisor } from './informer.ts';
import type { InformerEvent } from './informer.ts';
import type { ListResult, ListWatch, WatchEnd, WatchEvent } from './listwatch.ts';

const obj = (name: string, rv: string): KubernetesObject => ({
  metadata: { name, namespace: 'ns', resourceVersion: rv },
});

type Step =
  | { list: ListResult<KubernetesObject> }
  | { listError: Error }
  | { watch: WatchEvent<KubernetesObject>[]; end: WatchEnd };

/** A scripted list/watch: each call consumes the next step; past the end, watches hang until aborted. */
function scripted(steps: Step[]): ListWatch<KubernetesObject> & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async list() {
      const step = steps.shift();
      calls.push('list');
      if (step && 'listError' in step) throw step.listError;
      if (!step || !('list' in step)) throw new Error(`unexpected list; next step ${JSON.stringify(step)}`);
      return step.list;
    },
    async watch(rv, onEvent, signal) {
      calls.push(`watch@${rv}`);
      const step = steps[0];
      if (!step || !('watch' in step)) {
        return new Promise<WatchEnd>((resolve) =>
          signal.addEventListener('abort', () => resolve({ kind: 'closed' }), { once: true }),
        );
      }
      steps.shift();
      for (const e of step.watch) onEvent(e);
      return step.end;
    },
  };
}

const waitUntil = async (cond: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(cond(), 'condition not reached');
};

test('lists, syncs, applies watch events and resumes from the last resourceVersion', async () => {
  const lw = scripted([
    { list: { items: [obj('a', '1')], resourceVersion: '10' } },
    { watch: [{ type: 'ADDED', object: obj('b', '11') }, { type: 'MODIFIED', object: obj('a', '12') }], end: { kind: 'closed' } },
    { watch: [{ type: 'DELETED', object: obj('b', '13') }, { type: 'BOOKMARK', object: obj('', '14') }], end: { kind: 'closed' } },
  ]);
  const seen: string[] = [];
  const inf = new InformerSupervisor(lw, { backoff: { baseMs: 1, maxMs: 1, jitter: 0 } }).on({
    add: (o) => seen.push(`add ${o.metadata?.name}`),
    update: (o, n) => seen.push(`update ${o.metadata?.name} ${o.metadata?.resourceVersion}->${n.metadata?.resourceVersion}`),
    delete: (o) => seen.push(`delete ${o.metadata?.name}`),
  });
  inf.start();
  await inf.synced;
  await waitUntil(() => lw.calls.length >= 4);
  await inf.stop();
  assert.deepEqual(seen, ['add a', 'add b', 'update a 1->12', 'delete b']);
  assert.deepEqual(lw.calls, ['list', 'watch@10', 'watch@12', 'watch@14']);
  assert.deepEqual(inf.keys(), ['ns/a']);
  assert.equal(inf.get('ns/a')?.metadata?.resourceVersion, '12');
});

test('410 Gone relists and reconciles the store (deletes missed while away)', async () => {
  const lw = scripted([
    { list: { items: [obj('a', '1'), obj('b', '2')], resourceVersion: '10' } },
    { watch: [], end: { kind: 'gone', message: 'too old resource version' } },
    { list: { items: [obj('a', '5'), obj('c', '6')], resourceVersion: '20' } },
  ]);
  const seen: string[] = [];
  const events: string[] = [];
  const inf = new InformerSupervisor(lw, { onEvent: (e: InformerEvent) => events.push(e.event) }).on({
    add: (o) => seen.push(`add ${o.metadata?.name}`),
    update: (o) => seen.push(`update ${o.metadata?.name}`),
    delete: (o) => seen.push(`delete ${o.metadata?.name}`),
  });
  inf.start();
  await waitUntil(() => lw.calls.length >= 4);
  await inf.stop();
  assert.deepEqual(lw.calls, ['list', 'watch@10', 'list', 'watch@20']);
  assert.deepEqual(seen, ['add a', 'add b', 'update a', 'add c', 'delete b']);
  assert.deepEqual(events.slice(0, 3), ['listed', 'watch_ended', 'listed']);
});

test('list errors back off and retry; watch errors retry from the same resourceVersion', async () => {
  const lw = scripted([
    { listError: new Error('connection refused') },
    { list: { items: [], resourceVersion: '7' } },
    { watch: [], end: { kind: 'error', error: new Error('reset') } },
  ]);
  const events: InformerEvent[] = [];
  const inf = new InformerSupervisor(lw, {
    backoff: { baseMs: 1, maxMs: 2, jitter: 0 },
    onEvent: (e) => events.push(e),
  });
  inf.start();
  await inf.synced;
  await waitUntil(() => lw.calls.length >= 4);
  await inf.stop();
  assert.deepEqual(lw.calls, ['list', 'list', 'watch@7', 'watch@7']);
  assert.deepEqual(events.map((e) => e.event), ['list_failed', 'listed', 'watch_failed']);
});

test('a stalled watch is aborted and the informer relists', async () => {
  const lw = scripted([
    { list: { items: [], resourceVersion: '1' } },
    { list: { items: [obj('late', '2')], resourceVersion: '2' } },
  ]);
  const events: string[] = [];
  const inf = new InformerSupervisor(lw, { stallMs: 30, onEvent: (e) => events.push(e.event) });
  inf.start();
  await waitUntil(() => inf.get('ns/late') !== undefined);
  await inf.stop();
  assert.ok(events.includes('stalled'));
  assert.deepEqual(lw.calls.slice(0, 3), ['list', 'watch@1', 'list']);
});

test('a throwing handler is reported and does not stop the informer', async () => {
  const lw = scripted([{ list: { items: [obj('a', '1'), obj('b', '2')], resourceVersion: '3' } }]);
  const events: string[] = [];
  const added: string[] = [];
  const inf = new InformerSupervisor(lw, { onEvent: (e) => events.push(e.event) }).on({
    add: (o) => {
      if (o.metadata?.name === 'a') throw new Error('handler bug');
      added.push(o.metadata?.name ?? '');
    },
  });
  inf.start();
  await inf.synced;
  await inf.stop();
  assert.deepEqual(added, ['b']);
  assert.ok(events.includes('handler_failed'));
});

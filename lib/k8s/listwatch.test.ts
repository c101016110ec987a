import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeApi } from './kube-api.ts';
import { apiListWatch, cutManagedFieldsText, withoutManagedFields } from './listwatch.ts';
import { SERVICE_LIST } from './protobuf.ts';

const managed = [
  { manager: 'kubectl', operation: 'Update', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:ports': { 'k:{"port":80,"protocol":"TCP"}': { '.': {} } } } } },
  { manager: 'odd ] } [ { \\ "quoted" \u00e9', fieldsV1: { 'k:{"type":"a]"}': {} } },
];

function service(name: string, metadata: Record<string, unknown>): Record<string, unknown> {
  return { kind: 'Service', metadata: { name, ...metadata }, spec: { ports: [{ port: 80 }] }, status: { loadBalancer: {} } };
}

test('cutManagedFieldsText: the text parses to what parsing and dropping metadata.managedFields gives, however the members sit', () => {
  const list = {
    kind: 'ServiceList',
    metadata: { resourceVersion: '7', continue: 'x' },
    items: [
      service('first', { managedFields: managed, namespace: 'n' }), // first member of metadata
      { metadata: { managedFields: managed }, kind: 'Service' }, // the only member
      service('last', { namespace: 'n', managedFields: [] }), // last member, empty
      service('none', { namespace: 'n' }),
      // The sequence inside a string is escaped, so it is not cut.
      service('text', { annotations: { 'last-applied': JSON.stringify({ metadata: { managedFields: [1] } }) }, managedFields: managed }),
    ],
  };
  const text = JSON.stringify(list);
  const cut = cutManagedFieldsText(text);
  assert.ok(cut.length < text.length);
  assert.ok(!cut.includes('"managedFields":['));
  const expected = JSON.parse(text) as { items: { metadata: Record<string, unknown> }[] };
  for (const item of expected.items) withoutManagedFields(item);
  assert.deepEqual(JSON.parse(cut), expected);
  assert.match(JSON.stringify((JSON.parse(cut) as typeof expected).items[4]!.metadata.annotations), /managedFields/);
});

test('cutManagedFieldsText: text without the member is returned as it is; text cut off inside one too', () => {
  const plain = JSON.stringify({ items: [service('a', {})] });
  assert.equal(cutManagedFieldsText(plain), plain);
  const broken = JSON.stringify({ items: [service('a', { managedFields: managed })] });
  for (const end of [broken.indexOf('"managedFields":[') + 20, broken.indexOf('odd ] }') + 3, broken.indexOf('"}":{}}}]}')]) {
    assert.equal(cutManagedFieldsText(broken.slice(0, end)), broken.slice(0, end));
  }
  // Cut off after the member: the member goes, the rest is JSON.parse's to refuse.
  assert.throws(() => JSON.parse(cutManagedFieldsText(broken.slice(0, -30))) as unknown, SyntaxError);
});

test('apiListWatch with protobuf: a JSON answer is parsed; a refused protobuf page is asked for again in JSON, and so is every later list', async () => {
  const page = JSON.stringify({ metadata: { resourceVersion: '7' }, items: [service('a', { managedFields: managed })] });
  const calls: string[] = [];
  let binaryType = 'application/json';
  const api = {
    json: {
      binary: async (_m: string, _p: string, o: { accept: string }) => {
        calls.push(`binary ${o.accept}`);
        return { contentType: binaryType, body: Buffer.from(binaryType === 'application/json' ? page : 'k8s\0\x0a\xff') };
      },
      text: async () => (calls.push('text'), page),
      request: async () => (calls.push('request'), JSON.parse(page) as unknown),
    },
  } as unknown as KubeApi;
  const refused: Error[] = [];
  const lw = apiListWatch(api, '/api/v1/services', { protobuf: SERVICE_LIST, cutManagedFields: true, onProtobufRefused: (e) => refused.push(e) });
  const want = { items: [withoutManagedFields(service('a', { managedFields: managed }))], resourceVersion: '7' };
  // The server may answer JSON (an aggregated API, an old server): parsed as JSON.
  assert.deepEqual(await lw.list(), want);
  assert.deepEqual(calls, ['binary application/vnd.kubernetes.protobuf, application/json']);
  calls.length = 0;
  binaryType = 'application/vnd.kubernetes.protobuf';
  assert.deepEqual(await lw.list(), want);
  assert.deepEqual(calls, ['binary application/vnd.kubernetes.protobuf, application/json', 'text']);
  assert.equal(refused.length, 1);
  assert.match(refused[0]!.message, /GET \/api\/v1\/services: the protobuf answer could not be decoded \(.*\); listing in JSON from now on/);
  calls.length = 0;
  assert.deepEqual(await lw.list(), want);
  assert.deepEqual(calls, ['text']);
  assert.equal(refused.length, 1);
});

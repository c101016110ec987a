import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cutManagedFieldsText, withoutManagedFields } from './listwatch.ts';

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

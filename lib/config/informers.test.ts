import assert from 'node:assert/strict';
import { test } from 'node:test';
import { configChanged, secretChanged } from './informers.ts';

test('a config object changes with its generation or labels, not with its status', () => {
  const o = { metadata: { generation: 1, labels: { a: 'b' } } };
  assert.equal(configChanged(o, { metadata: { generation: 1, labels: { a: 'b' } } }), false);
  assert.equal(configChanged(o, { metadata: { generation: 2, labels: { a: 'b' } } }), true);
  assert.equal(configChanged(o, { metadata: { generation: 1, labels: { a: 'c' } } }), true);
});

test('a Secret (no generation) changes with its type or data: a password rotation rebuilds the config', () => {
  const s = { type: 'kubernetes.io/basic-auth', data: { password: 'YQ==' }, metadata: { resourceVersion: '1' } };
  assert.equal(secretChanged(s, { ...s, metadata: { resourceVersion: '2', annotations: { x: 'y' } } }), false);
  assert.equal(secretChanged(s, { ...s, data: { password: 'Yg==' } }), true);
  assert.equal(secretChanged(s, { ...s, type: 'Opaque' }), true);
  assert.equal(secretChanged(s, { ...s, data: undefined }), true);
});

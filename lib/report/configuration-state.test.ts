import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configurationStatus } from './configuration-state.ts';

const now = new Date('2026-01-01T00:00:00Z');
const warning = { kind: 'L2Advertisement', name: 'l2', field: 'spec.ipAddressPools[0]', message: 'IPAddressPool "first-pool" not found' };

test('warnings are a condition of their own; the result stays Valid', () => {
  const s = configurationStatus([], { stale: false, now, warnings: [warning] });
  assert.equal(s.result, 'Valid');
  assert.equal(s.errorSummary, '');
  assert.deepEqual(s.conditions.map((c) => [c.type, c.status, c.reason]), [
    ['ConfigurationValid', 'True', 'ConfigurationLoaded'], ['ConfigurationWarnings', 'True', 'ConfigurationWarning'],
  ]);
  assert.equal(s.conditions[1]!.message, 'L2Advertisement/l2 spec.ipAddressPools[0]: IPAddressPool "first-pool" not found');
});

test('no warnings: no warnings condition', () => {
  const s = configurationStatus([], { stale: false, now });
  assert.deepEqual(s.conditions.map((c) => c.type), ['ConfigurationValid']);
});

test('errors with no valid configuration yet say so', () => {
  const s = configurationStatus([{ ...warning, message: 'bad' }], { stale: false, now, warnings: [warning] });
  assert.equal(s.result, 'Invalid');
  assert.match(s.conditions[0]!.message, /no valid configuration yet/);
  assert.equal(s.conditions.length, 2);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildConfig } from './build.ts';
import { type ErrorCase, assertCase, bfd, input } from './testing.ts';

const K = 'BFDProfile';
const cases: ErrorCase[] = [
  { name: 'bounds are valid', input: input({ bfdProfiles: [bfd('a', { receiveInterval: 10, transmitInterval: 60000, detectMultiplier: 2, echoInterval: 10, minimumTtl: 1 }), bfd('b', { detectMultiplier: 255, minimumTtl: 254 })] }) },
  { name: 'receiveInterval too small', input: input({ bfdProfiles: [bfd('a', { receiveInterval: 9 })] }), want: { kind: K, name: 'a', field: 'spec.receiveInterval', message: /10-60000 ms/ } },
  { name: 'transmitInterval too large', input: input({ bfdProfiles: [bfd('a', { transmitInterval: 60001 })] }), want: { kind: K, name: 'a', field: 'spec.transmitInterval' } },
  { name: 'multiplier 1', input: input({ bfdProfiles: [bfd('a', { detectMultiplier: 1 })] }), want: { kind: K, name: 'a', field: 'spec.detectMultiplier', message: /2-255/ } },
  { name: 'multiplier 256', input: input({ bfdProfiles: [bfd('a', { detectMultiplier: 256 })] }), want: { kind: K, name: 'a', field: 'spec.detectMultiplier' } },
  { name: 'echoInterval fractional', input: input({ bfdProfiles: [bfd('a', { echoInterval: 10.5 })] }), want: { kind: K, name: 'a', field: 'spec.echoInterval' } },
  { name: 'minimumTtl 0', input: input({ bfdProfiles: [bfd('a', { minimumTtl: 0 })] }), want: { kind: K, name: 'a', field: 'spec.minimumTtl' } },
  { name: 'duplicate names', input: input({ bfdProfiles: [bfd('a'), bfd('a')] }), want: { kind: K, name: 'a', field: 'metadata.name' } },
];

test('BFDProfile rules (table)', () => {
  for (const c of cases) assertCase(c, buildConfig(c.input));
});

test('BFD defaults are 300/300/3', () => {
  const r = buildConfig(input({ bfdProfiles: [bfd('a')] }));
  assert.ok(r.ok);
  assert.deepEqual(r.config.bfdProfiles.get('a'), {
    name: 'a', receiveIntervalMs: 300, transmitIntervalMs: 300, detectMultiplier: 3, echoIntervalMs: 50,
    echoMode: false, passiveMode: false, minimumTtl: 254,
  });
});

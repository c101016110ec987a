import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildConfig } from '../../lib/config/index.ts';
import { bfd, input } from '../../lib/config/testing.ts';
import { minimumReceiveTtl, SINGLE_HOP_TTL, toSessionConfig, validateProfile } from './profile.ts';

test('an empty profile runs with the same defaults the config model fills in', () => {
  const built = buildConfig(input({ bfdProfiles: [bfd('a')] }));
  assert.ok(built.ok);
  const p = built.config.bfdProfiles.get('a')!;
  assert.deepEqual(toSessionConfig({}), {
    desiredMinTxUs: p.transmitIntervalMs * 1000,
    requiredMinRxUs: p.receiveIntervalMs * 1000,
    detectMult: p.detectMultiplier,
    passive: p.passiveMode,
  });
  assert.deepEqual(toSessionConfig({}), { desiredMinTxUs: 300_000, requiredMinRxUs: 300_000, detectMult: 3, passive: false });
  assert.equal(minimumReceiveTtl({}, true), p.minimumTtl);
  assert.equal(minimumReceiveTtl({ minimumTtl: 200 }), SINGLE_HOP_TTL);
});

test('validateProfile: the API\'s own rules name each bad field; echo mode is refused', () => {
  assert.deepEqual(validateProfile({}), []);
  const problems = validateProfile({ receiveInterval: 5, detectMultiplier: 300, minimumTtl: 255, transmitInterval: 1.5, echoMode: true });
  for (const field of ['receiveInterval', 'detectMultiplier', 'minimumTtl', 'transmitInterval', 'echoMode']) {
    assert.ok(problems.some((p) => p.includes(field)), `${field} in ${JSON.stringify(problems)}`);
  }
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { speakerConfigurationStatus } from './config-state.ts';

const now = new Date(0);

test('valid config, key loaded: Valid with LivenessAuthenticated True', () => {
  const s = speakerConfigurationStatus([], { stale: false, now }, {});
  assert.equal(s.result, 'Valid');
  assert.deepEqual(s.conditions.map((c) => [c.type, c.status]), [['ConfigurationValid', 'True'], ['LivenessAuthenticated', 'True']]);
});

test('missing key and unusable peers are reported without making the config Invalid', () => {
  const s = speakerConfigurationStatus([], { stale: false, now }, {
    livenessKeyProblem: 'Secret portside-liveness-key not found',
    peerProblems: [{ peer: 'tor', reason: 'no router ID' }],
  });
  assert.equal(s.result, 'Valid');
  const byType = new Map(s.conditions.map((c) => [c.type, c]));
  assert.equal(byType.get('LivenessAuthenticated')?.reason, 'LivenessKeyMissing');
  assert.match(byType.get('LivenessAuthenticated')?.message ?? '', /not found.*every eligible node is taken as live/);
  assert.equal(byType.has('BFDEchoMode'), false, 'echo mode is a configuration error, not a condition');
  assert.match(byType.get('BGPPeersUsable')?.message ?? '', /BGPPeer tor: no router ID/);
});

test('config errors: Invalid, the summary names the object', () => {
  const s = speakerConfigurationStatus([{ kind: 'BGPAdvertisement', name: 'x', field: 'spec.peers[0]', message: 'not found' }], { stale: true, now }, {});
  assert.equal(s.result, 'Invalid');
  assert.match(s.errorSummary, /BGPAdvertisement\/x spec.peers\[0\]: not found/);
});

test('key gone after one was loaded: the condition says failover runs on the last key', () => {
  const s = speakerConfigurationStatus([], { stale: false, now }, { livenessKeyProblem: 'Secret portside-liveness-key not found', livenessOnLastKey: true });
  const c = s.conditions.find((x) => x.type === 'LivenessAuthenticated');
  assert.equal(c?.status, 'False');
  assert.match(c?.message ?? '', /not found: heartbeats stay signed with the last key/);
  assert.doesNotMatch(c?.message ?? '', /failover is off, every/);
});

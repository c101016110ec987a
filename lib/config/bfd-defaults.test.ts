import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bfdProfile } from '../../crds/source/bfdprofile.ts';
import { BFD_PROFILE_DEFAULTS as D } from './bfd-defaults.ts';

test("the CRD's OpenAPI defaults are the config model's BFD defaults", () => {
  const props = bfdProfile.spec?.properties ?? {};
  const crd = Object.fromEntries(Object.entries(props).map(([k, s]) => [k, s.default]));
  assert.deepEqual(crd, {
    receiveInterval: D.receiveIntervalMs,
    transmitInterval: D.transmitIntervalMs,
    detectMultiplier: D.detectMultiplier,
    echoInterval: D.echoIntervalMs,
    echoMode: D.echoMode,
    passiveMode: D.passiveMode,
    minimumTtl: undefined, // multi-hop only: left unset in the object, D.minimumTtl when used
  });
});

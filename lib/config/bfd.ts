// BFDProfile → BfdProfile (the API's defaults are FRR's).
import { BFD_PROFILE_DEFAULTS } from '../../crds/index.ts';
import type { Named } from './parse.ts';
import type { ValidBFDProfile } from './resources.ts';
import type { BfdProfile } from './types.ts';

export function buildBfdProfile({ name, object }: Named<ValidBFDProfile>): BfdProfile {
  const { spec } = object;
  return {
    name,
    receiveIntervalMs: spec.receiveInterval,
    transmitIntervalMs: spec.transmitInterval,
    detectMultiplier: spec.detectMultiplier,
    echoIntervalMs: spec.echoInterval,
    echoMode: spec.echoMode,
    passiveMode: spec.passiveMode,
    minimumTtl: spec.minimumTtl ?? BFD_PROFILE_DEFAULTS.minimumTtl,
  };
}

// BFDProfile → BfdProfile (the API's defaults are FRR's).
import type { Named } from './parse.ts';
import type { ValidBFDProfile } from './resources.ts';
import type { BfdProfile } from './types.ts';

/** FRR's minimum TTL; the API leaves it unset because it only means something for multi-hop sessions. */
const DEFAULT_MINIMUM_TTL = 254;

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
    minimumTtl: spec.minimumTtl ?? DEFAULT_MINIMUM_TTL,
  };
}

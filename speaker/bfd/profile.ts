// A BFDProfile (portside.dev/v1beta1, MetalLB's shape) as the speaker uses it: defaults,
// what Portside cannot do (echo mode) as messages for ConfigurationState, and the FSM's units.
// Profiles are BFDProfile.spec (intervals in ms); unset fields take BFD_PROFILE_DEFAULTS.
import { BFD_PROFILE_DEFAULTS as D } from '../../crds/index.ts';
import type { BFDProfileSpec } from '../../lib/config/index.ts';

/** What the session FSM needs, in BFD's wire units (microseconds). */
export interface BfdSessionConfig {
  desiredMinTxUs: number;
  requiredMinRxUs: number;
  detectMult: number;
  passive: boolean;
}

export function toSessionConfig(profile: BFDProfileSpec = {}): BfdSessionConfig {
  return {
    desiredMinTxUs: (profile.transmitInterval ?? D.transmitIntervalMs) * 1000,
    requiredMinRxUs: (profile.receiveInterval ?? D.receiveIntervalMs) * 1000,
    detectMult: profile.detectMultiplier ?? D.detectMultiplier,
    passive: profile.passiveMode ?? D.passiveMode,
  };
}

const isInt = (v: unknown, min: number, max: number): boolean => Number.isInteger(v) && (v as number) >= min && (v as number) <= max;

/**
 * Problems that keep a profile from being used as written, one sentence each (empty = fine).
 * The CRD's OpenAPI rules catch most of these; this repeats them for profiles from elsewhere.
 */
export function validateProfile(profile: BFDProfileSpec): string[] {
  const problems: string[] = [];
  if (profile.echoMode) problems.push("echoMode is not supported by Portside's BFD; disable it");
  for (const key of ['receiveInterval', 'transmitInterval', 'echoInterval'] as const) {
    const v = profile[key];
    if (v !== undefined && !isInt(v, 10, 60000)) problems.push(`${key} must be an integer from 10 to 60000 ms, got ${v}`);
  }
  const mult = profile.detectMultiplier;
  if (mult !== undefined && !isInt(mult, 2, 255)) problems.push(`detectMultiplier must be an integer from 2 to 255, got ${mult}`);
  const ttl = profile.minimumTtl;
  if (ttl !== undefined && !isInt(ttl, 1, 254)) problems.push(`minimumTtl must be an integer from 1 to 254, got ${ttl}`);
  return problems;
}

export const SINGLE_HOP_TTL = 255;

/**
 * Lowest TTL (hop limit) a received control packet may carry. Single hop (RFC 5881 §5,
 * GTSM): exactly 255, whatever minimumTtl says — minimumTtl is for multi-hop sessions,
 * which Portside does not run yet; for those it would be the floor (FRR's default).
 */
export function minimumReceiveTtl(profile: BFDProfileSpec, multihop = false): number {
  return multihop ? (profile.minimumTtl ?? D.minimumTtl) : SINGLE_HOP_TTL;
}

// A BFDProfile (portside.dev/v1beta1, MetalLB's shape) as the speaker uses it: defaults,
// what Portside cannot do (echo mode) as messages for ConfigurationState, and the FSM's units.
// Profiles are BFDProfile.spec (intervals in ms); unset fields take BFD_PROFILE_DEFAULTS.
import { API_VERSION, BFD_PROFILE_DEFAULTS as D, parseBFDProfile } from '../../crds/index.ts';
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

/**
 * Problems that keep a profile from being used as written, one sentence each (empty = fine).
 * Profiles from the config model passed the API's rules already; ones from elsewhere are
 * checked by the same parser (crds/), not by a copy of its ranges.
 */
export function validateProfile(profile: BFDProfileSpec): string[] {
  const problems: string[] = [];
  if (profile.echoMode) problems.push("echoMode is not supported by Portside's BFD; disable it");
  const parsed = parseBFDProfile({ apiVersion: API_VERSION, kind: 'BFDProfile', metadata: { name: 'profile' }, spec: profile });
  if (!parsed.ok) problems.push(...parsed.errors.map((e) => `${e.path}: ${e.message}`));
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

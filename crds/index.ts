// The Portside API for clients: names, types and validators of group portside.dev/v1beta1.
import type { PortsideObject } from './generated/types.ts';
import {
  BFDProfileSchema,
  BGPAdvertisementSchema,
  BGPPeerSchema,
  BGPSessionStateSchema,
  CommunitySchema,
  ConfigurationStateSchema,
  IPAddressPoolSchema,
  L2AdvertisementSchema,
  ServiceBGPStatusSchema,
  ServiceL2StatusSchema,
} from './generated/zod.ts';
import type {
  ValidBFDProfile,
  ValidBGPAdvertisement,
  ValidBGPPeer,
  ValidBGPSessionState,
  ValidCommunity,
  ValidConfigurationState,
  ValidIPAddressPool,
  ValidL2Advertisement,
  ValidServiceBGPStatus,
  ValidServiceL2Status,
} from './generated/zod.ts';
import { bfdProfile } from './source/bfdprofile.ts';
import { bgpAdvertisement } from './source/bgpadvertisement.ts';
import { bgpPeer } from './source/bgppeer.ts';
import { bgpSessionState } from './source/bgpsessionstate.ts';
import { community } from './source/community.ts';
import { configurationState } from './source/configurationstate.ts';
import { API_VERSION, GROUP, KINDS, VERSION } from './source/index.ts';
import { ipAddressPool } from './source/ipaddresspool.ts';
import { l2Advertisement } from './source/l2advertisement.ts';
import { serviceBGPStatus, serviceL2Status } from './source/servicestatus.ts';
import type { Parser, ParseResult, ParseOptions } from './validate.ts';
import { makeParser } from './validate.ts';

export type * from './generated/types.ts';
/** `Valid<Kind>`: an object as a parser returns it, checked and with the schema defaults filled in. */
export type * from './generated/zod.ts';
export type { FieldError, ParseOptions, ParseResult, Parser } from './validate.ts';
export { API_VERSION, GROUP, VERSION };
/** Each kind's source (names, spec and status schemas), for tools that read the API's shape. */
export const KIND_SOURCES = KINDS;
export { canonicalSelector } from './source/common.ts';
export { BFD_PROFILE_DEFAULTS } from './source/bfdprofile.ts';
export { durationNs } from './source/cel-functions.ts';

export type PortsideKind = PortsideObject['kind'];

/** Resource names of each kind, for API paths and clients. */
export interface KindNames {
  readonly kind: PortsideKind;
  readonly plural: string;
  readonly singular: string;
  readonly listKind: string;
  /** Whether an object without a spec is invalid (otherwise the spec defaults to {}). */
  readonly specRequired: boolean;
}

export const KIND_NAMES: Readonly<Record<PortsideKind, KindNames>> = Object.fromEntries(
  KINDS.map((k) => [
    k.kind,
    { kind: k.kind, plural: k.plural, singular: k.singular, listKind: `${k.kind}List`, specRequired: k.specRequired },
  ]),
) as Record<PortsideKind, KindNames>;

/** kind → plural, e.g. IPAddressPool → ipaddresspools. */
export function pluralOf(kind: PortsideKind): string {
  return KIND_NAMES[kind].plural;
}

export const parseIPAddressPool: Parser<ValidIPAddressPool> = makeParser(ipAddressPool, IPAddressPoolSchema);
export const parseL2Advertisement: Parser<ValidL2Advertisement> = makeParser(l2Advertisement, L2AdvertisementSchema);
export const parseBGPAdvertisement: Parser<ValidBGPAdvertisement> = makeParser(bgpAdvertisement, BGPAdvertisementSchema);
export const parseBGPPeer: Parser<ValidBGPPeer> = makeParser(bgpPeer, BGPPeerSchema);
export const parseBFDProfile: Parser<ValidBFDProfile> = makeParser(bfdProfile, BFDProfileSchema);
export const parseCommunity: Parser<ValidCommunity> = makeParser(community, CommunitySchema);
export const parseConfigurationState: Parser<ValidConfigurationState> = makeParser(configurationState, ConfigurationStateSchema);
export const parseServiceL2Status: Parser<ValidServiceL2Status> = makeParser(serviceL2Status, ServiceL2StatusSchema);
export const parseServiceBGPStatus: Parser<ValidServiceBGPStatus> = makeParser(serviceBGPStatus, ServiceBGPStatusSchema);
export const parseBGPSessionState: Parser<ValidBGPSessionState> = makeParser(bgpSessionState, BGPSessionStateSchema);

/** Any Portside object as a parser returns it. */
export type ValidPortsideObject =
  | ValidIPAddressPool
  | ValidL2Advertisement
  | ValidBGPAdvertisement
  | ValidBGPPeer
  | ValidBFDProfile
  | ValidCommunity
  | ValidConfigurationState
  | ValidServiceL2Status
  | ValidServiceBGPStatus
  | ValidBGPSessionState;

const PARSERS: Readonly<Record<PortsideKind, Parser<ValidPortsideObject>>> = {
  IPAddressPool: parseIPAddressPool,
  L2Advertisement: parseL2Advertisement,
  BGPAdvertisement: parseBGPAdvertisement,
  BGPPeer: parseBGPPeer,
  BFDProfile: parseBFDProfile,
  Community: parseCommunity,
  ConfigurationState: parseConfigurationState,
  ServiceL2Status: parseServiceL2Status,
  ServiceBGPStatus: parseServiceBGPStatus,
  BGPSessionState: parseBGPSessionState,
};

export function isPortsideKind(kind: unknown): kind is PortsideKind {
  return typeof kind === 'string' && Object.hasOwn(PARSERS, kind);
}

/** Validates any Portside object, choosing the kind from `obj.kind`. */
export function parsePortsideObject(obj: unknown, options?: ParseOptions): ParseResult<ValidPortsideObject> {
  const kind = typeof obj === 'object' && obj !== null ? (obj as { kind?: unknown }).kind : undefined;
  if (!isPortsideKind(kind)) {
    return { ok: false, errors: [{ path: 'kind', message: `must be one of ${Object.keys(PARSERS).join(', ')}` }] };
  }
  return PARSERS[kind](obj, options);
}

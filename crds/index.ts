// The Portside API for clients: names, types and validators of group portside.dev/v1beta1.
import type {
  BFDProfile,
  BGPAdvertisement,
  BGPPeer,
  Community,
  ConfigurationState,
  IPAddressPool,
  L2Advertisement,
  PortsideObject,
  ServiceBGPStatus,
  ServiceL2Status,
} from './generated/types.ts';
import { bfdProfile } from './source/bfdprofile.ts';
import { bgpAdvertisement } from './source/bgpadvertisement.ts';
import { bgpPeer } from './source/bgppeer.ts';
import { community } from './source/community.ts';
import { configurationState } from './source/configurationstate.ts';
import { API_VERSION, GROUP, KINDS, VERSION } from './source/index.ts';
import { ipAddressPool } from './source/ipaddresspool.ts';
import { l2Advertisement } from './source/l2advertisement.ts';
import { serviceBGPStatus, serviceL2Status } from './source/servicestatus.ts';
import type { Parser, ParseResult, ParseOptions } from './validate.ts';
import { makeParser } from './validate.ts';

export type * from './generated/types.ts';
export type { FieldError, ParseOptions, ParseResult, Parser } from './validate.ts';
export { API_VERSION, GROUP, VERSION };

export type PortsideKind = PortsideObject['kind'];

/** Resource names of each kind, for API paths and clients. */
export interface KindNames {
  readonly kind: PortsideKind;
  readonly plural: string;
  readonly singular: string;
  readonly listKind: string;
}

export const KIND_NAMES: Readonly<Record<PortsideKind, KindNames>> = Object.fromEntries(
  KINDS.map((k) => [k.kind, { kind: k.kind, plural: k.plural, singular: k.singular, listKind: `${k.kind}List` }]),
) as Record<PortsideKind, KindNames>;

/** kind → plural, e.g. IPAddressPool → ipaddresspools. */
export function pluralOf(kind: PortsideKind): string {
  return KIND_NAMES[kind].plural;
}

export const parseIPAddressPool: Parser<IPAddressPool> = makeParser(ipAddressPool);
export const parseL2Advertisement: Parser<L2Advertisement> = makeParser(l2Advertisement);
export const parseBGPAdvertisement: Parser<BGPAdvertisement> = makeParser(bgpAdvertisement);
export const parseBGPPeer: Parser<BGPPeer> = makeParser(bgpPeer);
export const parseBFDProfile: Parser<BFDProfile> = makeParser(bfdProfile);
export const parseCommunity: Parser<Community> = makeParser(community);
export const parseConfigurationState: Parser<ConfigurationState> = makeParser(configurationState);
export const parseServiceL2Status: Parser<ServiceL2Status> = makeParser(serviceL2Status);
export const parseServiceBGPStatus: Parser<ServiceBGPStatus> = makeParser(serviceBGPStatus);

const PARSERS: Readonly<Record<PortsideKind, Parser<PortsideObject>>> = {
  IPAddressPool: parseIPAddressPool,
  L2Advertisement: parseL2Advertisement,
  BGPAdvertisement: parseBGPAdvertisement,
  BGPPeer: parseBGPPeer,
  BFDProfile: parseBFDProfile,
  Community: parseCommunity,
  ConfigurationState: parseConfigurationState,
  ServiceL2Status: parseServiceL2Status,
  ServiceBGPStatus: parseServiceBGPStatus,
};

export function isPortsideKind(kind: unknown): kind is PortsideKind {
  return typeof kind === 'string' && Object.hasOwn(PARSERS, kind);
}

/** Validates any Portside object, choosing the kind from `obj.kind`. */
export function parsePortsideObject(obj: unknown, options?: ParseOptions): ParseResult<PortsideObject> {
  const kind = typeof obj === 'object' && obj !== null ? (obj as { kind?: unknown }).kind : undefined;
  if (!isPortsideKind(kind)) {
    return { ok: false, errors: [{ path: 'kind', message: `must be one of ${Object.keys(PARSERS).join(', ')}` }] };
  }
  return PARSERS[kind](obj, options);
}

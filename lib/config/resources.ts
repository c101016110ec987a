// The API objects the config model reads, from the types generated from crds/source
// (MetalLB's field names): `*Input` as written (fixtures), `Valid*` as parsed (defaults applied).
import type {
  BFDProfile, BGPAdvertisement, BGPPeer, Community, IPAddressPool, L2Advertisement,
} from '../../crds/generated/types.ts';

export type {
  BFDProfile, BFDProfileSpec, BGPAdvertisement, BGPAdvertisementSpec, BGPPeer, BGPPeerSpec, Community, CommunityAlias,
  CommunitySpec, IPAddressPool, IPAddressPoolSpec, L2Advertisement, L2AdvertisementSpec, PreferredNodeSelector,
  SecretReference, ServiceAllocation as ServiceAllocationSpec,
} from '../../crds/generated/types.ts';

/** What buildConfig reads of an object: apiVersion, kind and status may be absent (e.g. in fixtures). */
export type ConfigObject<T extends { metadata: unknown; spec?: unknown }> = Pick<T, 'metadata' | 'spec'>;

export type {
  ValidBFDProfile, ValidBGPAdvertisement, ValidBGPPeer, ValidCommunity, ValidIPAddressPool, ValidL2Advertisement,
} from '../../crds/generated/zod.ts';

export type IPAddressPoolInput = ConfigObject<IPAddressPool>;
export type L2AdvertisementInput = ConfigObject<L2Advertisement>;
export type BGPAdvertisementInput = ConfigObject<BGPAdvertisement>;
export type BGPPeerInput = ConfigObject<BGPPeer>;
export type BFDProfileInput = ConfigObject<BFDProfile>;
export type CommunityInput = ConfigObject<Community>;

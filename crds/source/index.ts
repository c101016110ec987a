// The Portside API: every kind of group portside.dev, version v1beta1, defined once.
import { bfdProfile } from './bfdprofile.ts';
import { bgpAdvertisement } from './bgpadvertisement.ts';
import { bgpPeer } from './bgppeer.ts';
import { bgpSessionState } from './bgpsessionstate.ts';
import { community } from './community.ts';
import { configurationState } from './configurationstate.ts';
import { ipAddressPool } from './ipaddresspool.ts';
import { l2Advertisement } from './l2advertisement.ts';
import type { KindSource } from './schema.ts';
import { serviceBGPStatus, serviceL2Status } from './servicestatus.ts';

export const GROUP = 'portside.dev';
export const VERSION = 'v1beta1';
export const API_VERSION = `${GROUP}/${VERSION}` as const;

export const KINDS = [
  ipAddressPool,
  l2Advertisement,
  bgpAdvertisement,
  bgpPeer,
  bfdProfile,
  community,
  configurationState,
  serviceL2Status,
  serviceBGPStatus,
  bgpSessionState,
] as const satisfies readonly KindSource[];

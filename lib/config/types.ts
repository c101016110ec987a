// The validated, resolved configuration both programs act on, and how problems are reported.
import type { V1Namespace, V1Node, V1Secret } from '@kubernetes/client-node';
import type { IpAddress, IpRange } from '../ip/index.ts';
import type { LabelSelector } from '../selector/index.ts';
import type { BackendChecks } from './backend.ts';

export type ConfigKind =
  | 'IPAddressPool' | 'L2Advertisement' | 'BGPAdvertisement' | 'BGPPeer' | 'BFDProfile' | 'Community'
  /** Not one object's fault: an unexpected failure of the whole build. */
  | 'Configuration';

/** One problem, naming the object and the field at fault (e.g. `spec.addresses[1]`). */
export interface ConfigError {
  readonly kind: ConfigKind;
  /** The object's namespace, when it has one. */
  readonly namespace?: string;
  readonly name: string;
  readonly field: string;
  readonly message: string;
}

export type ConfigWarning = ConfigError;

/**
 * The objects as received (from the informers, or fixtures typed with the `*Input` types of
 * resources.ts): each is checked against its kind's schema before it is read.
 */
export interface BuildInput {
  pools: readonly unknown[];
  l2Advertisements: readonly unknown[];
  bgpAdvertisements: readonly unknown[];
  bgpPeers: readonly unknown[];
  bfdProfiles: readonly unknown[];
  communities: readonly unknown[];
  /** When omitted, passwordSecret references are not resolved (BgpPeer.password stays undefined). */
  secrets?: readonly V1Secret[];
  /** When omitted, serviceAllocation.namespaces are not checked for existence. */
  namespaces?: readonly V1Namespace[];
  /** When given, localPref conflicts compare the nodes selectors match rather than the selectors. */
  nodes?: readonly V1Node[];
  /** Whose limits BGPPeer and BFDProfile fields are checked against (lib/config/backend.ts); default 'native'. */
  bgpBackend?: BackendChecks;
}

export type BuildResult =
  | { ok: true; config: Config; warnings: ConfigWarning[] }
  | { ok: false; errors: ConfigError[]; warnings: ConfigWarning[] };

export interface ServiceAllocation {
  /** 0 = unset = lowest. */
  readonly priority: number;
  readonly namespaces: readonly string[];
  readonly namespaceSelectors: readonly LabelSelector[];
  readonly serviceSelectors: readonly LabelSelector[];
}

export interface Pool {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** In spec order; `addresses[i]` became `ranges[i]`. */
  readonly ranges: readonly IpRange[];
  readonly autoAssign: boolean;
  readonly avoidBuggyIPs: boolean;
  /** Undefined when the pool serves every Service. */
  readonly serviceAllocation: ServiceAllocation | undefined;
}

export interface PreferredNode {
  readonly weight: number;
  readonly preference: LabelSelector;
}

export interface L2Advert {
  readonly name: string;
  /** Resolved pool names (named ∪ selected; all pools when neither is given), sorted. */
  readonly pools: readonly string[];
  /** Empty = every node. */
  readonly nodeSelectors: readonly LabelSelector[];
  /** Empty = every interface. */
  readonly interfaces: readonly string[];
  /** Empty = every Service. */
  readonly serviceSelectors: readonly LabelSelector[];
  readonly preferredNodes: readonly PreferredNode[];
}

export type CommunityValue =
  | { readonly kind: 'standard'; readonly asn: number; readonly value: number }
  | { readonly kind: 'large'; readonly global: number; readonly local1: number; readonly local2: number };

export interface BgpAdvert {
  readonly name: string;
  readonly pools: readonly string[];
  readonly aggregationLength: number;
  readonly aggregationLengthV6: number;
  /** 0 = unset, as in MetalLB. */
  readonly localPref: number;
  readonly communities: readonly CommunityValue[];
  /** BGPPeer names; empty = every peer. */
  readonly peers: readonly string[];
  readonly nodeSelectors: readonly LabelSelector[];
  readonly serviceSelectors: readonly LabelSelector[];
}

export interface BfdProfile {
  readonly name: string;
  readonly receiveIntervalMs: number;
  readonly transmitIntervalMs: number;
  readonly detectMultiplier: number;
  readonly echoIntervalMs: number;
  readonly echoMode: boolean;
  readonly passiveMode: boolean;
  readonly minimumTtl: number;
}

export interface BgpPeer {
  readonly name: string;
  readonly myASN: number;
  readonly peerASN: number | undefined;
  readonly dynamicASN: 'internal' | 'external' | undefined;
  readonly localASN: number | undefined;
  readonly peerAddress: IpAddress | undefined;
  readonly interface: string | undefined;
  readonly sourceAddress: IpAddress | undefined;
  readonly peerPort: number;
  /** Whole seconds as milliseconds (the OPEN message carries seconds); 0 = no keepalives. */
  readonly holdTimeMs: number;
  readonly keepaliveTimeMs: number;
  /** Undefined = the speaker's default. */
  readonly connectTimeMs: number | undefined;
  readonly routerID: IpAddress | undefined;
  /** Empty = every node. */
  readonly nodeSelectors: readonly LabelSelector[];
  /** From spec.password or the resolved passwordSecret. */
  readonly password: string | undefined;
  readonly bfdProfile: BfdProfile | undefined;
  readonly enableGracefulRestart: boolean;
  readonly ebgpMultiHop: boolean;
  readonly vrf: string;
  readonly disableMP: boolean;
  readonly dualStackAddressFamily: boolean;
}

export interface Config {
  readonly pools: ReadonlyMap<string, Pool>;
  /** Sorted by name. */
  readonly l2Advertisements: readonly L2Advert[];
  readonly bgpAdvertisements: readonly BgpAdvert[];
  readonly bgpPeers: ReadonlyMap<string, BgpPeer>;
  readonly bfdProfiles: ReadonlyMap<string, BfdProfile>;
  /** Community alias name → value, from every Community object. */
  readonly communityAliases: ReadonlyMap<string, CommunityValue>;
}

// What to change for each reason the controller gives a Service no IP (operator/allocator
// PENDING_REASONS), and words for the planner's reasons a node does not announce.
import type { PendingReasonCode } from '../operator/allocator/index.ts';
import { SkipReason } from '../speaker/planner/index.ts';

export const PENDING_ADVICE: Readonly<Record<PendingReasonCode, string>> = {
  NoPoolMatches:
    'create an IPAddressPool with autoAssign on whose spec.serviceAllocation admits this Service, or name a pool in the portside.dev/address-pool annotation',
  PoolExhausted: 'add addresses to the pool (spec.addresses), delete Services that no longer need theirs, or use another pool',
  RequestedIPInUse:
    'request a free IP, or give both Services the same portside.dev/allow-shared-ip key (and compatible ports) to share it',
  RequestedIPNotInAnyPool: 'request an IP inside some pool\'s spec.addresses, or add it to a pool',
  RequestedIPNotAllowed:
    'request an IP of the pool the Service may use (its address-pool annotation, the pool\'s serviceAllocation), or change them',
  SharingRefused:
    'Services sharing an IP need the same allow-shared-ip key, no overlapping port/protocol and, with Local policy, the same selector: change one of them',
  PoolNotFound: 'fix the portside.dev/address-pool annotation, or create that IPAddressPool in the Portside namespace',
  PoolNotAllowed: 'the pool\'s spec.serviceAllocation (namespaces, selectors) does not admit this Service: change it, or name another pool',
  FamilyUnavailable: 'add addresses of the missing family to a pool, or change spec.ipFamilyPolicy / spec.ipFamilies',
  InvalidRequest: 'fix the Service field or annotation the message names',
  PoolInvalid: 'fix the pool: the message and `portside status` name its field; the last valid configuration lacks it',
  ConfigInvalid: 'no configuration has loaded yet: fix the object and field `portside status` names',
};

export function pendingAdvice(reason: string | undefined): string {
  return (reason && (PENDING_ADVICE as Record<string, string>)[reason]) ?? 'see the message, and the controller\'s log';
}

const SKIP_TEXT: Readonly<Record<SkipReason, string>> = {
  [SkipReason.NoIngress]: 'the Service has no IP yet',
  [SkipReason.InvalidIp]: 'an ingress entry is not an IP',
  [SkipReason.NoPool]: 'its IP is in no pool',
  [SkipReason.PoolNotAdvertised]: 'no L2Advertisement or BGPAdvertisement selects its pool',
  [SkipReason.NodeNotFound]: 'no Node object',
  [SkipReason.NodeExcluded]: 'labelled node.kubernetes.io/exclude-from-external-load-balancers',
  [SkipReason.NetworkUnavailable]: 'its NetworkUnavailable condition is True',
  [SkipReason.NoEndpoints]: 'no ready endpoint anywhere',
  [SkipReason.NoLocalEndpoints]: 'externalTrafficPolicy Local and no ready endpoint here',
  [SkipReason.ServiceNotSelected]: 'the advertisements\' serviceSelectors do not match the Service',
  [SkipReason.NodeNotSelected]: 'the advertisements\' nodeSelectors do not select this node',
  [SkipReason.NoPeers]: 'no BGPPeer of the advertisement is selected for this node',
  [SkipReason.NotOwner]: 'another node owns the IP',
};

export function skipText(reason: SkipReason): string {
  return SKIP_TEXT[reason];
}

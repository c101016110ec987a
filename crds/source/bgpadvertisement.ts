import { labelSelectors, LIMITS, objectNames } from './common.ts';
import type { JsonObject, KindSource, Schema } from './schema.ts';
import { has } from './schema.ts';

const COMMUNITY_VALUE = /^([0-9]+):([0-9]+)$/u;
const LARGE_COMMUNITY_VALUE = /^large:([0-9]+):([0-9]+):([0-9]+)$/u;

/** A community value: A:B with 16-bit parts, or large:A:B:C with 32-bit parts. */
export function isCommunityValue(text: string): boolean {
  const standard = COMMUNITY_VALUE.exec(text);
  if (standard) return standard.slice(1).every((part) => part.length <= 5 && Number(part) <= 0xffff);
  const large = LARGE_COMMUNITY_VALUE.exec(text);
  if (large) return large.slice(1).every((part) => part.length <= 10 && Number(part) <= 0xffffffff);
  return false;
}

/** Alias names have no ":", so a string with one must be a community value. */
export const communityValueRule = {
  rule:
    "!self.contains(':') || (self.matches('^[0-9]+:[0-9]+$') && self.split(':').all(p, size(p) <= 5 && int(p) <= 65535)) || (self.matches('^large:[0-9]+:[0-9]+:[0-9]+$') && self.substring(6).split(':').all(p, size(p) <= 10 && int(p) <= 4294967295))",
  message: 'a community with ":" must be a value: A:B with parts 0-65535, or large:A:B:C with parts 0-4294967295',
  check: (self: string) => !self.includes(':') || isCommunityValue(self),
};

const communityValues: Schema = {
  type: 'array',
  description:
    'BGP communities to attach: A:B (16-bit parts), large:A:B:C (32-bit parts), or the name of an alias defined in a Community object.',
  maxItems: LIMITS.names,
  items: { type: 'string', minLength: 1, maxLength: 253, 'x-kubernetes-validations': [communityValueRule] },
  'x-kubernetes-list-type': 'set',
};

export const bgpAdvertisement: KindSource = {
  kind: 'BGPAdvertisement',
  plural: 'bgpadvertisements',
  singular: 'bgpadvertisement',
  description: 'Announces addresses of the selected pools to BGP peers, with aggregation, LOCAL_PREF and communities.',
  printerColumns: [
    { name: 'IPAddressPools', type: 'string', jsonPath: '.spec.ipAddressPools' },
    { name: 'IPAddressPool Selectors', type: 'string', jsonPath: '.spec.ipAddressPoolSelectors', priority: 1 },
    { name: 'Peers', type: 'string', jsonPath: '.spec.peers' },
    { name: 'Node Selectors', type: 'string', jsonPath: '.spec.nodeSelectors', priority: 1 },
    { name: 'Aggregation', type: 'integer', jsonPath: '.spec.aggregationLength', priority: 1 },
    { name: 'Aggregation V6', type: 'integer', jsonPath: '.spec.aggregationLengthV6', priority: 1 },
  ],
  specRequired: false,
  spec: {
    type: 'object',
    title: 'BGPAdvertisementSpec',
    description: 'Desired state of a BGPAdvertisement. Empty: every pool, to every peer, from every node, as /32 and /128.',
    properties: {
      aggregationLength: {
        type: 'integer',
        format: 'int32',
        description: 'Prefix length IPv4 addresses are announced with; shorter rolls many /32s into one prefix.',
        minimum: 1,
        maximum: 32,
        default: 32,
      },
      aggregationLengthV6: {
        type: 'integer',
        format: 'int32',
        description: 'Prefix length IPv6 addresses are announced with.',
        minimum: 1,
        maximum: 128,
        default: 128,
      },
      localPref: {
        type: 'integer',
        format: 'int64',
        description: 'BGP LOCAL_PREF (iBGP only); a higher value is preferred.',
        minimum: 0,
        maximum: 4294967295,
      },
      communities: communityValues,
      ipAddressPools: objectNames('Pools to announce, by name.', 'Name of an IPAddressPool.'),
      ipAddressPoolSelectors: labelSelectors('Pools to announce, by label. With ipAddressPools also empty: all pools.'),
      nodeSelectors: labelSelectors('Nodes that announce. Empty: all nodes.'),
      peers: objectNames('BGPPeers to announce to, by name. Empty: all peers.', 'Name of a BGPPeer.'),
      serviceSelectors: labelSelectors('Services to announce, by label. Empty: all Services.'),
    },
    'x-kubernetes-validations': [
      {
        rule:
          '!has(self.serviceSelectors) || size(self.serviceSelectors) == 0 || ((!has(self.aggregationLength) || self.aggregationLength == 32) && (!has(self.aggregationLengthV6) || self.aggregationLengthV6 == 128))',
        message: 'serviceSelectors can only be used with the default aggregationLength (32) and aggregationLengthV6 (128)',
        fieldPath: '.serviceSelectors',
        check: (self: JsonObject) =>
          !Array.isArray(self.serviceSelectors) ||
          self.serviceSelectors.length === 0 ||
          ((!has(self, 'aggregationLength') || self.aggregationLength === 32) &&
            (!has(self, 'aggregationLengthV6') || self.aggregationLengthV6 === 128)),
      },
    ],
  },
  status: { type: 'object', title: 'BGPAdvertisementStatus', description: 'Observed state (reserved).', properties: {} },
};

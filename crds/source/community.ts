import { communityValueRule } from './bgpadvertisement.ts';
import type { KindSource, Schema } from './schema.ts';

const communityAlias: Schema = {
  type: 'object',
  title: 'CommunityAlias',
  description: 'A name for a BGP community value, usable in BGPAdvertisement communities.',
  required: ['name', 'value'],
  properties: {
    name: {
      type: 'string',
      description: 'The alias. Unique across all Community objects.',
      minLength: 1,
      maxLength: 253,
      pattern: '^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$',
    },
    value: {
      type: 'string',
      description: 'A:B (16-bit parts) or large:A:B:C (32-bit parts).',
      maxLength: 40,
      pattern: '^([0-9]{1,5}:[0-9]{1,5}|large:[0-9]{1,10}:[0-9]{1,10}:[0-9]{1,10})$',
      patternMessage: 'is not a community value: write A:B or large:A:B:C (an alias cannot name another alias)',
      'x-kubernetes-validations': [communityValueRule],
    },
  },
};

export const community: KindSource = {
  kind: 'Community',
  plural: 'communities',
  singular: 'community',
  description: 'Names for BGP community values.',
  printerColumns: [{ name: 'Communities', type: 'string', jsonPath: '.spec.communities', priority: 1 }],
  specRequired: false,
  spec: {
    type: 'object',
    title: 'CommunitySpec',
    description: 'Desired state of a Community.',
    properties: {
      communities: {
        type: 'array',
        description: 'The aliases; names are unique.',
        maxItems: 256,
        items: communityAlias,
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['name'],
      },
    },
  },
  status: { type: 'object', title: 'CommunityStatus', description: 'Observed state (reserved).', properties: {} },
};

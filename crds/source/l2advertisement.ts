import { interfaceName, labelSelector, labelSelectors, LIMITS, objectNames } from './common.ts';
import type { KindSource, Schema } from './schema.ts';

const preferredNodeSelector: Schema = {
  type: 'object',
  title: 'PreferredNodeSelector',
  description: 'A weighted node preference for the announcing node, like a preferred scheduling term.',
  required: ['weight', 'preference'],
  properties: {
    weight: {
      type: 'integer',
      format: 'int32',
      description: 'Added to the score of every node the preference matches.',
      minimum: 1,
      maximum: 100,
    },
    preference: labelSelector,
  },
};

export const l2Advertisement: KindSource = {
  kind: 'L2Advertisement',
  plural: 'l2advertisements',
  singular: 'l2advertisement',
  description: 'Announces addresses of the selected pools on the local network with ARP (IPv4) and NDP (IPv6).',
  printerColumns: [
    { name: 'IPAddressPools', type: 'string', jsonPath: '.spec.ipAddressPools' },
    { name: 'IPAddressPool Selectors', type: 'string', jsonPath: '.spec.ipAddressPoolSelectors', priority: 1 },
    { name: 'Interfaces', type: 'string', jsonPath: '.spec.interfaces' },
    { name: 'Node Selectors', type: 'string', jsonPath: '.spec.nodeSelectors', priority: 1 },
  ],
  specRequired: false,
  spec: {
    type: 'object',
    title: 'L2AdvertisementSpec',
    description: 'Desired state of an L2Advertisement. Empty: every pool, from every node, on every interface.',
    properties: {
      ipAddressPools: objectNames('Pools to announce, by name.', 'Name of an IPAddressPool.'),
      ipAddressPoolSelectors: labelSelectors('Pools to announce, by label. With ipAddressPools also empty: all pools.'),
      nodeSelectors: labelSelectors('Nodes that may announce. Empty: all nodes.'),
      interfaces: {
        type: 'array',
        description: 'Host interfaces to announce on. Empty: all interfaces.',
        maxItems: LIMITS.names,
        items: interfaceName('A host interface.'),
        'x-kubernetes-list-type': 'set',
      },
      serviceSelectors: labelSelectors('Services to announce, by label. Empty: all Services.'),
      preferredNodeSelectors: {
        type: 'array',
        description: 'Soft preferences for the announcing node: the highest total weight wins, ties by hash.',
        maxItems: 16,
        items: preferredNodeSelector,
        'x-kubernetes-list-type': 'atomic',
      },
    },
  },
  status: { type: 'object', title: 'L2AdvertisementStatus', description: 'Observed state (reserved).', properties: {} },
};

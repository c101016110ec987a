// ServiceL2Status and ServiceBGPStatus: per (Service, node) reports written by the speaker.
import { has, isObject } from './schema.ts';
import type { CelRule, JsonObject, KindSource, Schema } from './schema.ts';

const IDENTITY = {
  node: { description: 'The node announcing the Service.', maxLength: 253 },
  serviceName: { description: 'Name of the Service.', maxLength: 63 },
  serviceNamespace: { description: 'Namespace of the Service.', maxLength: 63 },
} as const;

/**
 * Once set, status.node/serviceName/serviceNamespace never change and are never removed.
 * On the root, not the field: a field-level `self == oldSelf` does not run when the
 * field is added or removed, and status itself may be absent.
 */
const immutableIdentity: CelRule[] = Object.keys(IDENTITY).map((field) => ({
  rule: `!has(oldSelf.status) || !has(oldSelf.status.${field}) || (has(self.status) && has(self.status.${field}) && self.status.${field} == oldSelf.status.${field})`,
  message: `status.${field} is immutable once set`,
  fieldPath: `.status.${field}`,
  check: (self: JsonObject, oldSelf: JsonObject) => {
    const before = isObject(oldSelf.status) ? oldSelf.status : undefined;
    const after = isObject(self.status) ? self.status : undefined;
    return !has(before, field) || (after !== undefined && after[field] === before?.[field]);
  },
}));

const identityProperties = (): Record<string, Schema> =>
  Object.fromEntries(Object.entries(IDENTITY).map(([field, s]) => [field, { type: 'string', ...s } satisfies Schema]));

const printerColumns = [
  { name: 'Node', type: 'string', jsonPath: '.status.node' },
  { name: 'Service Name', type: 'string', jsonPath: '.status.serviceName' },
  { name: 'Service Namespace', type: 'string', jsonPath: '.status.serviceNamespace' },
] as const;

const interfaceInfo: Schema = {
  type: 'object',
  title: 'InterfaceInfo',
  description: 'A host interface.',
  required: ['name'],
  properties: {
    name: { type: 'string', description: 'Interface name.', minLength: 1, maxLength: 15 },
    mac: {
      type: 'string',
      description: 'The MAC address ARP/NDP answers give on this interface.',
      pattern: '^[0-9a-f]{2}(:[0-9a-f]{2}){5}$',
    },
  },
};

export const serviceL2Status: KindSource = {
  kind: 'ServiceL2Status',
  plural: 'servicel2statuses',
  singular: 'servicel2status',
  description: 'Which node announces a Service with ARP/NDP, and on which interfaces. Status only.',
  printerColumns: [...printerColumns, { name: 'Interfaces', type: 'string', jsonPath: '.status.interfaces', priority: 1 }],
  specRequired: false,
  status: {
    type: 'object',
    title: 'ServiceL2StatusStatus',
    description: 'The announcement, written by the speaker of the node.',
    properties: {
      ...identityProperties(),
      interfaces: {
        type: 'array',
        description: 'Interfaces the Service is announced on. Empty: all.',
        maxItems: 64,
        items: interfaceInfo,
        'x-kubernetes-list-type': 'atomic',
      },
    },
  },
  rootRules: immutableIdentity,
};

export const serviceBGPStatus: KindSource = {
  kind: 'ServiceBGPStatus',
  plural: 'servicebgpstatuses',
  singular: 'servicebgpstatus',
  description: 'Which BGP peers a node is configured to announce a Service to. Status only.',
  printerColumns: [...printerColumns, { name: 'Peers', type: 'string', jsonPath: '.status.peers', priority: 1 }],
  specRequired: false,
  status: {
    type: 'object',
    title: 'ServiceBGPStatusStatus',
    description: 'The announcement, written by the speaker of the node.',
    properties: {
      ...identityProperties(),
      peers: {
        type: 'array',
        description:
          'BGPPeers the Service is configured to be announced to; whether a session is up is not reported here.',
        maxItems: 256,
        items: { type: 'string', maxLength: 253 },
        'x-kubernetes-list-type': 'set',
      },
    },
  },
  rootRules: immutableIdentity,
};

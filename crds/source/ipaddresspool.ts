import { labelSelectors } from './common.ts';
import { addressRangeBounds, firstAddressFamily, isAddressRange, rangesOverlap } from './cel-functions.ts';
import type { AddressRangeBounds } from './cel-functions.ts';
import type { JsonObject, KindSource, RuntimeProblem, RuntimeRule, Schema } from './schema.ts';

const startNotAfterEnd: RuntimeRule = {
  message: "the range's start is after its end",
  notCel: 'CEL cannot order IP addresses',
  check: (self: string) => (addressRangeBounds(self) === 'reversed' ? [{ at: [] }] : []),
};

const disjointRanges: RuntimeRule = {
  message: 'the ranges of one pool must not overlap',
  notCel: 'CEL cannot compare IP ranges',
  check: (self: unknown[]) => {
    const problems: RuntimeProblem[] = [];
    const seen: { index: number; text: string; bounds: AddressRangeBounds }[] = [];
    self.forEach((text, index) => {
      const bounds = typeof text === 'string' ? addressRangeBounds(text) : undefined;
      if (bounds === undefined || bounds === 'reversed') return;
      const clash = seen.find((s) => rangesOverlap(s.bounds, bounds));
      if (clash) problems.push({ at: [index], detail: `"${String(text)}" overlaps "${clash.text}" ([${clash.index}])` });
      seen.push({ index, text: String(text), bounds });
    });
    return problems;
  },
};

/** Whether the range `a` is IPv4, judged on its first address (its own rule checks the rest). */
const IPV4_RANGE_CEL =
  "(isCIDR(a.trim()) ? cidr(a.trim()).ip().family() == 4 : (a.split('-').size() == 2 && isIP(a.split('-')[0].trim()) && ip(a.split('-')[0].trim()).family() == 4))";

/** Largest count JavaScript reads exactly; int64 counts saturate here, the exact value is a string. */
export const MAX_EXACT_COUNT = Number.MAX_SAFE_INTEGER;

const count = (description: string): Schema => ({
  type: 'integer',
  format: 'int64',
  description: `${description} Saturates at 2^53-1; never negative.`,
  minimum: 0,
  maximum: MAX_EXACT_COUNT,
});

const serviceAllocation: Schema = {
  type: 'object',
  title: 'ServiceAllocation',
  description:
    'Limits the pool to some namespaces and/or Services, and orders it among pools. With nothing set, every Service may use the pool.',
  properties: {
    priority: {
      type: 'integer',
      format: 'int32',
      description: 'Lower values are tried first; 0 (unset) comes after every pool with a priority.',
      minimum: 0,
    },
    namespaces: {
      type: 'array',
      description: 'Namespaces whose Services may use the pool.',
      maxItems: 64,
      items: { type: 'string', minLength: 1, maxLength: 63, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' },
      'x-kubernetes-list-type': 'set',
    },
    namespaceSelectors: labelSelectors('Namespaces, by label, whose Services may use the pool.'),
    serviceSelectors: labelSelectors('Services, by label, that may use the pool.'),
  },
};

export const ipAddressPool: KindSource = {
  kind: 'IPAddressPool',
  plural: 'ipaddresspools',
  singular: 'ipaddresspool',
  description: 'A pool of IP addresses that Portside may give to Services of type LoadBalancer.',
  printerColumns: [
    { name: 'Auto Assign', type: 'boolean', jsonPath: '.spec.autoAssign' },
    { name: 'Avoid Buggy IPs', type: 'boolean', jsonPath: '.spec.avoidBuggyIPs' },
    { name: 'Addresses', type: 'string', jsonPath: '.spec.addresses' },
    { name: 'Assigned IPv4', type: 'integer', jsonPath: '.status.assignedIPv4' },
    { name: 'Available IPv4', type: 'integer', jsonPath: '.status.availableIPv4' },
    { name: 'Assigned IPv6', type: 'integer', jsonPath: '.status.assignedIPv6' },
    { name: 'Available IPv6', type: 'string', jsonPath: '.status.availableIPv6Exact' },
  ],
  specRequired: true,
  spec: {
    type: 'object',
    title: 'IPAddressPoolSpec',
    description: 'Desired state of an IPAddressPool.',
    required: ['addresses'],
    properties: {
      addresses: {
        type: 'array',
        description:
          'Address ranges the pool owns, each a CIDR (198.51.100.0/24) or a start-end range of one family (198.51.100.10-198.51.100.20).',
        minItems: 1,
        maxItems: 256,
        items: {
          type: 'string',
          maxLength: 100,
          'x-kubernetes-validations': [
            {
              rule:
                "isCIDR(self.trim()) || (self.split('-').size() == 2 && self.split('-').all(p, isIP(p.trim())) && ip(self.split('-')[0].trim()).family() == ip(self.split('-')[1].trim()).family())",
              message: 'each address must be a CIDR or a start-end range of two IPs of the same family',
              check: (self: string) => isAddressRange(self),
            },
          ],
          runtimeRules: [startNotAfterEnd],
        },
        'x-kubernetes-list-type': 'set',
        runtimeRules: [disjointRanges],
      },
      autoAssign: {
        type: 'boolean',
        description: 'Whether Services may get an address from this pool without asking for it.',
        default: true,
      },
      avoidBuggyIPs: {
        type: 'boolean',
        description: 'Skip IPv4 addresses ending in .0 and .255, which some old clients mishandle.',
        default: false,
      },
      serviceAllocation,
    },
    'x-kubernetes-validations': [
      {
        rule: `!has(self.avoidBuggyIPs) || !self.avoidBuggyIPs || self.addresses.exists(a, ${IPV4_RANGE_CEL})`,
        message: 'avoidBuggyIPs only skips IPv4 .0 and .255 addresses, but every range is IPv6: remove avoidBuggyIPs',
        fieldPath: '.avoidBuggyIPs',
        check: (self: JsonObject) =>
          self.avoidBuggyIPs !== true ||
          !Array.isArray(self.addresses) ||
          self.addresses.some((a) => typeof a === 'string' && firstAddressFamily(a) === 4),
      },
    ],
  },
  status: {
    type: 'object',
    title: 'IPAddressPoolStatus',
    description: 'Address usage of the pool, written by the controller.',
    properties: {
      assignedIPv4: count('IPv4 addresses given to Services.'),
      assignedIPv6: count('IPv6 addresses given to Services.'),
      availableIPv4: count('IPv4 addresses still free.'),
      availableIPv6: count('IPv6 addresses still free.'),
      availableIPv6Exact: {
        type: 'string',
        description: 'IPv6 addresses still free, as an exact decimal (a /64 has 18446744073709551616).',
        maxLength: 39,
        pattern: '^(0|[1-9][0-9]*)$',
      },
    },
  },
};

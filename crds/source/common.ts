// Schema pieces several kinds share. Each is one object, referenced (not copied) where
// used, so the CRDs inline it and the TypeScript generator names it once by its title.
import { DURATION_PATTERN, durationNs } from './cel-functions.ts';
import type { JsonObject, Schema } from './schema.ts';

/** Bounds that keep CEL cost estimates inside the apiserver's budget. */
export const LIMITS = {
  selectors: 32,
  expressions: 32,
  values: 64,
  names: 64,
  name: 253,
  labelKey: 317,
  labelValue: 63,
} as const;

/** The name of another object in the namespace (DNS-1123 subdomain). */
export const objectName = (description: string): Schema => ({
  type: 'string',
  description,
  minLength: 1,
  maxLength: LIMITS.name,
  pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$',
});

/** A list of object names; duplicates are rejected. */
export const objectNames = (description: string, item: string): Schema => ({
  type: 'array',
  description,
  maxItems: LIMITS.names,
  items: objectName(item),
  'x-kubernetes-list-type': 'set',
});

export const duration = (description: string): Schema => ({
  type: 'string',
  description: `${description} A Go duration such as 90s, 1m30s or 500ms.`,
  maxLength: 32,
  pattern: DURATION_PATTERN,
});

/** Nanoseconds of a duration field; undefined when absent or malformed. */
export function ns(value: unknown): bigint | undefined {
  return typeof value === 'string' ? durationNs(value) : undefined;
}

export const labelSelectorRequirement: Schema = {
  type: 'object',
  title: 'LabelSelectorRequirement',
  description: 'A key, an operator, and values: one requirement of a label selector.',
  required: ['key', 'operator'],
  properties: {
    key: { type: 'string', description: 'The label key the selector applies to.', minLength: 1, maxLength: LIMITS.labelKey },
    operator: {
      type: 'string',
      description: "The key's relationship to the values.",
      enum: ['In', 'NotIn', 'Exists', 'DoesNotExist'],
    },
    values: {
      type: 'array',
      description: 'Non-empty for In and NotIn, empty for Exists and DoesNotExist.',
      maxItems: LIMITS.values,
      items: { type: 'string', maxLength: LIMITS.labelValue },
      'x-kubernetes-list-type': 'atomic',
    },
  },
  'x-kubernetes-validations': [
    {
      rule: "self.operator in ['In', 'NotIn'] ? has(self.values) && size(self.values) > 0 : !has(self.values) || size(self.values) == 0",
      message: 'values must be non-empty for In and NotIn, and empty for Exists and DoesNotExist',
      fieldPath: '.values',
      check: (self: JsonObject) => {
        const count = Array.isArray(self.values) ? self.values.length : 0;
        return self.operator === 'In' || self.operator === 'NotIn' ? count > 0 : count === 0;
      },
    },
  ],
};

export const labelSelector: Schema = {
  type: 'object',
  title: 'LabelSelector',
  description:
    'A label query over a set of objects: matchLabels and matchExpressions are ANDed; an empty selector matches everything.',
  properties: {
    matchLabels: {
      type: 'object',
      description: 'Each key=value pair is a requirement "key In (value)".',
      maxProperties: LIMITS.expressions,
      additionalProperties: { type: 'string', maxLength: LIMITS.labelValue },
    },
    matchExpressions: {
      type: 'array',
      description: 'Requirements, ANDed.',
      maxItems: LIMITS.expressions,
      items: labelSelectorRequirement,
      'x-kubernetes-list-type': 'atomic',
    },
  },
  'x-kubernetes-map-type': 'atomic',
};

export const labelSelectors = (description: string): Schema => ({
  type: 'array',
  description,
  maxItems: LIMITS.selectors,
  items: labelSelector,
  'x-kubernetes-list-type': 'atomic',
});

export const secretReference: Schema = {
  type: 'object',
  title: 'SecretReference',
  description: 'A Secret by name, and optionally namespace (default: the namespace of the referring object).',
  properties: {
    name: objectName('Name of the Secret.'),
    namespace: { type: 'string', description: 'Namespace of the Secret.', maxLength: 63 },
  },
  'x-kubernetes-map-type': 'atomic',
};

/** metav1.Condition. */
export const condition: Schema = {
  type: 'object',
  title: 'Condition',
  description: 'One aspect of the current state of the object.',
  required: ['type', 'status', 'lastTransitionTime', 'reason', 'message'],
  properties: {
    type: {
      type: 'string',
      description: 'Type of condition, CamelCase or foo.example.com/CamelCase.',
      maxLength: 316,
      pattern:
        '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$',
    },
    status: { type: 'string', description: 'True, False or Unknown.', enum: ['True', 'False', 'Unknown'] },
    observedGeneration: {
      type: 'integer',
      format: 'int64',
      description: 'The metadata.generation the condition was set from.',
      minimum: 0,
    },
    lastTransitionTime: {
      type: 'string',
      format: 'date-time',
      description: 'When the condition last changed status.',
    },
    reason: {
      type: 'string',
      description: 'A CamelCase identifier for the last transition.',
      minLength: 1,
      maxLength: 1024,
      pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$',
    },
    message: { type: 'string', description: 'A human-readable message; may be empty.', maxLength: 32768 },
  },
};

/** Status of a kind that reports nothing yet: an empty object, kept for the status subresource. */
export const emptyStatus = (kind: string): Schema => ({
  type: 'object',
  title: `${kind}Status`,
  description: `Observed state of the ${kind} (reserved).`,
  properties: {},
});

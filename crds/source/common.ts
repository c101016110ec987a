// Schema pieces several kinds share. Each is one object, referenced (not copied) where
// used, so the CRDs inline it and the TypeScript generator names it once by its title.
import { DURATION_PATTERN, durationNs } from './cel-functions.ts';
import type { JsonObject, RuntimeProblem, RuntimeRule, Schema } from './schema.ts';
import { isObject } from './schema.ts';

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

/**
 * A list of names of other objects; duplicates are rejected. As in MetalLB, a name is not
 * held to the object-name pattern: one that matches no object (e.g. "PoolA") selects nothing.
 */
export const objectNames = (description: string, item: string): Schema => ({
  type: 'array',
  description,
  maxItems: LIMITS.names,
  items: { type: 'string', description: item, minLength: 1, maxLength: LIMITS.name },
  'x-kubernetes-list-type': 'set',
});

export const duration = (description: string): Schema => ({
  type: 'string',
  description: `${description} A Go duration such as 90s, 1m30s or 500ms.`,
  maxLength: 32,
  pattern: DURATION_PATTERN,
  patternMessage: 'is not a duration: write it like 90s, 1m30s or 500ms',
});

/** A Linux interface name: at most 15 bytes, no whitespace, "/" or ":" (the kernel's dev_valid_name). */
export const interfaceName = (description: string): Schema => ({
  type: 'string',
  description,
  minLength: 1,
  maxLength: 15,
  pattern: '^[^\\t\\n\\v\\f\\r /:]+$',
  patternMessage: 'is not a Linux interface name: no spaces, "/" or ":"',
});

/** The name part of a label key, and a label value: alphanumeric at both ends, [-_.] inside. */
const LABEL_NAME = '[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?';
const DNS_SUBDOMAIN = '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*';
/** A label key: an optional DNS-subdomain prefix and "/", then a name of at most 63 characters. */
export const LABEL_KEY_PATTERN = `^(${DNS_SUBDOMAIN}/)?${LABEL_NAME}$`;
export const LABEL_VALUE_PATTERN = `^(${LABEL_NAME})?$`;
const LABEL_KEY_RE = new RegExp(LABEL_KEY_PATTERN, 'u');

/** A label key as Kubernetes takes it (the prefix is at most 253 characters). */
export function isLabelKey(key: string): boolean {
  return LABEL_KEY_RE.test(key) && key.indexOf('/') <= 253;
}

const labelKeyPrefixRule = {
  rule: "self.indexOf('/') <= 253",
  message: 'the prefix of a label key must be at most 253 characters',
  check: (self: string) => self.indexOf('/') <= 253,
};

const labelValue: Schema = {
  type: 'string',
  maxLength: LIMITS.labelValue,
  pattern: LABEL_VALUE_PATTERN,
  patternMessage: 'is not a label value: at most 63 characters of [A-Za-z0-9-_.], alphanumeric at both ends',
};

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
    key: {
      type: 'string',
      description: 'The label key the selector applies to.',
      minLength: 1,
      maxLength: LIMITS.labelKey,
      pattern: LABEL_KEY_PATTERN,
      patternMessage: 'is not a label key: [prefix/]name, the name at most 63 characters of [A-Za-z0-9-_.]',
      'x-kubernetes-validations': [labelKeyPrefixRule],
    },
    operator: {
      type: 'string',
      description: "The key's relationship to the values.",
      enum: ['In', 'NotIn', 'Exists', 'DoesNotExist'],
    },
    values: {
      type: 'array',
      description: 'Non-empty for In and NotIn, empty for Exists and DoesNotExist.',
      maxItems: LIMITS.values,
      items: labelValue,
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
      additionalProperties: labelValue,
      'x-kubernetes-validations': [
        {
          rule: `self.all(k, k.matches('${LABEL_KEY_PATTERN.replaceAll('\\', '\\\\')}') && k.indexOf('/') <= 253)`,
          message: 'every key of matchLabels must be a label key: [prefix/]name, the name at most 63 characters of [A-Za-z0-9-_.]',
          check: (self: JsonObject) => Object.keys(self).every(isLabelKey),
        },
      ],
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

const requirementText = (key: string, operator: string, values: readonly string[]): string => {
  const set = [...new Set(values)].sort();
  switch (operator) {
    case 'In': return `${key} in (${set.join(',')})`;
    case 'NotIn': return `${key} notin (${set.join(',')})`;
    case 'Exists': return key;
    case 'DoesNotExist': return `!${key}`;
    default: return `${key} ${operator} (${set.join(',')})`;
  }
};

/**
 * A stable text for a label selector: equal for selectors that differ only in order,
 * repeated values or terms, or in writing `k: v` as `k In [v]`. The empty selector gives "".
 */
export function canonicalSelector(selector: {
  readonly matchLabels?: Readonly<Record<string, string>> | undefined;
  readonly matchExpressions?: readonly { readonly key: string; readonly operator: string; readonly values?: readonly string[] | undefined }[] | undefined;
}): string {
  const terms = new Set<string>();
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) terms.add(requirementText(k, 'In', [v]));
  for (const req of selector.matchExpressions ?? []) terms.add(requirementText(req.key, req.operator, req.values ?? []));
  return [...terms].sort().join(',');
}

/** Selectors in a list are ORed: one that selects the same as an earlier one is a mistake. */
const distinctSelectors: RuntimeRule = {
  message: 'duplicate selector (remove one)',
  notCel: 'comparing selectors up to order and matchLabels/In spelling exceeds the CEL cost budget',
  check: (self: unknown[]) => {
    const problems: RuntimeProblem[] = [];
    const seen = new Map<string, number>();
    self.forEach((selector, index) => {
      if (!isObject(selector)) return;
      const labels = isObject(selector.matchLabels) ? selector.matchLabels : {};
      const expressions = Array.isArray(selector.matchExpressions) ? selector.matchExpressions.filter(isObject) : [];
      const key = canonicalSelector({
        matchLabels: Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, String(v)])),
        matchExpressions: expressions.map((e) => ({
          key: String(e.key),
          operator: String(e.operator),
          values: Array.isArray(e.values) ? e.values.map(String) : [],
        })),
      });
      const first = seen.get(key);
      if (first === undefined) seen.set(key, index);
      else problems.push({ at: [index], detail: `it selects the same as [${first}]` });
    });
    return problems;
  },
};

export const labelSelectors = (description: string): Schema => ({
  type: 'array',
  description,
  maxItems: LIMITS.selectors,
  items: labelSelector,
  'x-kubernetes-list-type': 'atomic',
  runtimeRules: [distinctSelectors],
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

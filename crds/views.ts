// Two views of each kind, both derived from crds/source: the CRD's openAPIV3Schema (what
// the apiserver enforces) and the typed schema of a whole object (what the TypeScript
// types and the runtime validator are built from).
import { API_VERSION, GROUP, VERSION } from './source/index.ts';
import type { CelRule, KindSource, PrinterColumn, RuntimeRule, Schema } from './source/schema.ts';

/** Keys of the source that only the TypeScript side reads: never in a CRD. */
export const SOURCE_ONLY_KEYS: ReadonlySet<string> = new Set(['title', 'tsType', 'patternMessage', 'runtimeRules', 'unit']);

const API_VERSION_DOC =
  'APIVersion defines the versioned schema of this representation of an object. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources';
const KIND_DOC =
  'Kind is a string value representing the REST resource this object represents. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds';

const AGE_COLUMN: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

/** The schema of a whole object: apiVersion, kind, metadata, spec (when the kind has one), status. */
export function objectSchema(source: KindSource): Schema {
  const properties: Record<string, Schema> = {
    apiVersion: { type: 'string', description: API_VERSION_DOC, enum: [API_VERSION] },
    kind: { type: 'string', description: KIND_DOC, enum: [source.kind] },
    metadata: {
      type: 'object',
      tsType: 'V1ObjectMeta',
      description: "Standard object's metadata.",
      properties: {
        name: { type: 'string', maxLength: 253 },
        namespace: { type: 'string', maxLength: 63 },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        annotations: { type: 'object', additionalProperties: { type: 'string' } },
      },
      'x-kubernetes-preserve-unknown-fields': true,
    },
  };
  // An optional spec defaults to {}, so its fields' defaults apply to an object written without one.
  if (source.spec) properties.spec = source.specRequired ? source.spec : { ...source.spec, default: {} };
  properties.status = source.status;
  return {
    type: 'object',
    title: source.kind,
    description: source.description,
    required: ['apiVersion', 'kind', 'metadata', ...(source.specRequired ? ['spec'] : [])],
    properties,
    ...(source.rootRules ? { 'x-kubernetes-validations': source.rootRules } : {}),
  };
}

/** The CEL rule as the CRD carries it. */
function crdRule(rule: CelRule): Record<string, string> {
  const out: Record<string, string> = { message: rule.message, rule: rule.rule };
  if (rule.fieldPath !== undefined) out.fieldPath = rule.fieldPath;
  if (rule.reason !== undefined) out.reason = rule.reason;
  return sortKeys(out);
}

function sortKeys<T extends Record<string, unknown>>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) as T;
}

/** A source schema as a CRD takes it: no title/tsType/checks/runtime rules, keys sorted like controller-gen. */
export function crdSchema(schema: Schema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (SOURCE_ONLY_KEYS.has(key) || value === undefined) continue;
    if (key === 'properties') {
      out.properties = sortKeys(
        Object.fromEntries(Object.entries(value as Record<string, Schema>).map(([k, v]) => [k, crdSchema(v)])),
      );
    } else if (key === 'items' || key === 'additionalProperties') {
      out[key] = crdSchema(value as Schema);
    } else if (key === 'x-kubernetes-validations') {
      out[key] = (value as CelRule[]).map(crdRule);
    } else {
      out[key] = value;
    }
  }
  return sortKeys(out);
}

/** The CustomResourceDefinition of a kind. */
export function crdManifest(source: KindSource): Record<string, unknown> {
  const root = objectSchema(source);
  const properties = { ...root.properties };
  // The apiserver owns apiVersion, kind and metadata; the CRD keeps them as plain strings/objects.
  properties.apiVersion = { type: 'string', description: API_VERSION_DOC };
  properties.kind = { type: 'string', description: KIND_DOC };
  properties.metadata = { type: 'object' };
  const openAPIV3Schema = crdSchema({
    ...root,
    properties,
    required: source.specRequired ? ['spec'] : undefined,
  });
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${source.plural}.${GROUP}` },
    spec: {
      group: GROUP,
      names: {
        categories: ['portside'],
        kind: source.kind,
        listKind: `${source.kind}List`,
        plural: source.plural,
        singular: source.singular,
        ...(source.shortNames ? { shortNames: source.shortNames } : {}),
      },
      scope: 'Namespaced',
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          additionalPrinterColumns: [...source.printerColumns, AGE_COLUMN].map((c) => sortKeys({ ...c })),
          schema: { openAPIV3Schema },
          subresources: { status: {} },
        },
      ],
    },
  };
}

/** Every rule of one sort in a kind, with the path of the node it sits on (for tests and tooling). */
function rulesOf<R>(source: KindSource, pick: (schema: Schema) => readonly R[] | undefined): { path: string; rule: R }[] {
  const found: { path: string; rule: R }[] = [];
  const walk = (schema: Schema, path: string): void => {
    for (const rule of pick(schema) ?? []) found.push({ path, rule });
    for (const [key, child] of Object.entries(schema.properties ?? {})) walk(child, `${path}.${key}`);
    if (schema.items) walk(schema.items, `${path}[*]`);
    if (schema.additionalProperties) walk(schema.additionalProperties, `${path}.*`);
  };
  walk(objectSchema(source), '');
  return found;
}

export function celRules(source: KindSource): { path: string; rule: CelRule }[] {
  return rulesOf(source, (s) => s['x-kubernetes-validations']);
}

/** The per-object rules the apiserver cannot run (see RuntimeRule). */
export function runtimeRules(source: KindSource): { path: string; rule: RuntimeRule }[] {
  return rulesOf(source, (s) => s.runtimeRules);
}

// The vocabulary of the API source: OpenAPI v3 schema objects as a CRD takes them, plus
// `title`/`tsType` for the generated TypeScript names and, on every CEL rule, the
// runtime check that re-implements it (CEL cannot run in Node, so rule and check sit
// side by side and the generator strips the check from the CRD). The few per-object rules
// CEL cannot express are written here too, as `runtimeRules`, each saying why.

/** A node of a JSON object as the checks see it: untyped, read-only. */
export type JsonObject = { readonly [key: string]: unknown };

/**
 * Returns true when the value passes the rule; `oldSelf` is given for transition rules only.
 * Each check annotates the type of `self` it expects (JsonObject, string, ...); the schema
 * has already been enforced when it runs.
 */
export type RuleCheck = (self: never, oldSelf: never) => boolean;

/** How the validator calls a check. */
export function runCheck(rule: CelRule, self: unknown, oldSelf?: unknown): boolean {
  return (rule.check as (self: unknown, oldSelf: unknown) => boolean)(self, oldSelf);
}

export interface CelRule {
  /** CEL expression, as the apiserver evaluates it. */
  readonly rule: string;
  readonly message: string;
  /** Points the error at a field below the node the rule sits on, e.g. `.peerASN`. */
  readonly fieldPath?: string;
  readonly reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
  /** The same rule in TypeScript, for clients and the config model. */
  readonly check: RuleCheck;
}

/** One value a runtime rule rejects: where (below the node the rule sits on), and what about it. */
export interface RuntimeProblem {
  readonly at: readonly (string | number)[];
  /** Appended to the rule's message, e.g. which other entry it clashes with. */
  readonly detail?: string;
}

/**
 * A per-object rule the apiserver cannot run (CEL has no address ordering, or the rule
 * would exceed the CEL cost budget). The runtime validator, and so the config model, runs
 * it; a test lists each as checked by the runtime validator only.
 */
export interface RuntimeRule {
  readonly message: string;
  /** Why it is not a CEL rule. */
  readonly notCel: string;
  /** Runs on a node of the schema's type (other nodes are skipped); tolerates malformed children. */
  readonly check: (self: never) => readonly RuntimeProblem[];
}

/** How the validator calls a runtime rule. */
export function runRuntimeRule(rule: RuntimeRule, self: unknown): readonly RuntimeProblem[] {
  return (rule.check as (self: unknown) => readonly RuntimeProblem[])(self);
}

export interface Schema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  title?: string;
  tsType?: string;
  description?: string;
  format?: 'int32' | 'int64' | 'date-time' | 'ipv4';
  enum?: readonly (string | number)[];
  default?: unknown;
  pattern?: string;
  /** What the runtime validator says when `pattern` does not match (the apiserver prints the pattern). */
  patternMessage?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  /** Unit of a number, for the runtime validator's messages (the description says it for the CRD). */
  unit?: 'ms';
  minItems?: number;
  maxItems?: number;
  maxProperties?: number;
  properties?: Record<string, Schema>;
  required?: readonly string[];
  additionalProperties?: Schema;
  items?: Schema;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: readonly string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-validations'?: readonly CelRule[];
  /** Not in the CRD: rules only the runtime validator runs. */
  runtimeRules?: readonly RuntimeRule[];
  /** Only in the typed view (metadata): fields the schema does not list are allowed. */
  'x-kubernetes-preserve-unknown-fields'?: true;
}

export interface PrinterColumn {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  readonly jsonPath: string;
  readonly description?: string;
  readonly priority?: number;
}

/** One custom resource kind: names, printer columns, and the spec/status schemas. */
export interface KindSource {
  readonly kind: string;
  readonly plural: string;
  readonly singular: string;
  readonly shortNames?: readonly string[];
  readonly description: string;
  readonly printerColumns: readonly PrinterColumn[];
  /** Absent for status-only kinds (ConfigurationState, ServiceL2Status, ServiceBGPStatus). */
  readonly spec?: Schema;
  readonly specRequired: boolean;
  readonly status: Schema;
  /** Rules on the whole object (e.g. transition rules that must also catch removal). */
  readonly rootRules?: readonly CelRule[];
}

/** Whether a rule compares against the stored object (runs on update only). */
export function isTransitionRule(rule: CelRule): boolean {
  return /\boldSelf\b/.test(rule.rule);
}

/** CEL's has(): the field is present (not undefined). */
export function has(obj: JsonObject | undefined, field: string): boolean {
  return obj !== undefined && obj[field] !== undefined;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

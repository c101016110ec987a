// Runtime validation of Portside objects: the kind's zod schema (generated from the
// source), then the TypeScript twin of every CEL rule and the runtime-only rules. Pure;
// returns errors as values, one per field.
import type { z } from 'zod';
import { objectSchema } from './views.ts';
import type { KindSource, Schema } from './source/schema.ts';
import { isObject, isTransitionRule, runCheck, runRuntimeRule } from './source/schema.ts';

export interface FieldError {
  /** Field path as the apiserver reports it, e.g. `spec.peerPort` or `spec.addresses[1]`. */
  readonly path: string;
  readonly message: string;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

export interface ParseOptions {
  /** The stored object, for an update: enables the transition rules (immutable fields). */
  readonly old?: unknown;
}

export type Parser<T> = (obj: unknown, options?: ParseOptions) => ParseResult<T>;

/**
 * A validator for one kind, from its source and its generated zod schema. Defaults are
 * applied to the returned value, as the apiserver does.
 */
export function makeParser<S extends z.ZodType>(source: KindSource, zod: S): Parser<z.output<S>> {
  let schema: Schema | undefined; // on the first call, like the zod schema (lazy)
  return (obj, options = {}) => {
    schema ??= objectSchema(source);
    const parsed = zod.safeParse(obj);
    const old = options.old === undefined ? undefined : zod.safeParse(options.old);
    const oldValue = old?.success ? old.data : undefined;
    // Like the apiserver, the rules run only on an object the schema accepts ("some validation
    // rules were not checked because the object was invalid").
    if (!parsed.success) return { ok: false, errors: unique(zodErrors(parsed.error)) };
    const errors = ruleErrors(schema, parsed.data, oldValue, []);
    return errors.length > 0 ? { ok: false, errors } : { ok: true, value: parsed.data };
  };
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out;
}

function unique(errors: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = `${e.path}\u0000${e.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Rules only run on values of their schema's type (the checks rely on it). */
function hasSchemaType(schema: Schema, value: unknown): boolean {
  switch (schema.type) {
    case 'object':
      return isObject(value);
    case 'array':
      return Array.isArray(value);
    case 'integer':
      return Number.isInteger(value);
    case 'string':
      return typeof value === 'string' && (schema.pattern === undefined || new RegExp(schema.pattern, 'u').test(value));
    default:
      return typeof value === schema.type;
  }
}

function zodErrors(error: z.ZodError): FieldError[] {
  const errors: FieldError[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) errors.push({ path: formatPath([...issue.path, key]), message: 'unknown field' });
    } else {
      errors.push({ path: formatPath(issue.path), message: issue.message });
    }
  }
  return errors;
}

/**
 * Walks schema and value together and runs each CEL rule's check, and each runtime rule,
 * where the value exists. Transition rules run only where the old object has the same node
 * (objects by property, map lists by key), as in the apiserver.
 */
function ruleErrors(schema: Schema, value: unknown, old: unknown, path: PropertyKey[]): FieldError[] {
  const errors: FieldError[] = [];
  if (!hasSchemaType(schema, value)) return errors;
  for (const rule of schema['x-kubernetes-validations'] ?? []) {
    const transition = isTransitionRule(rule);
    if (transition && (old === undefined || !hasSchemaType(schema, old))) continue;
    if (!runCheck(rule, value, old)) {
      const at = rule.fieldPath ? [...path, ...rule.fieldPath.split('.').filter((s) => s !== '')] : path;
      errors.push({ path: formatPath(at), message: rule.message });
    }
  }
  for (const rule of schema.runtimeRules ?? []) {
    for (const problem of runRuntimeRule(rule, value)) {
      const message = problem.detail === undefined ? rule.message : `${rule.message}: ${problem.detail}`;
      errors.push({ path: formatPath([...path, ...problem.at]), message });
    }
  }
  if (schema.properties && isObject(value)) {
    for (const [key, child] of Object.entries(schema.properties)) {
      if (value[key] === undefined) continue;
      const oldChild = isObject(old) ? old[key] : undefined;
      errors.push(...ruleErrors(child, value[key], oldChild, [...path, key]));
    }
  }
  if (schema.items && Array.isArray(value)) {
    const keys = schema['x-kubernetes-list-map-keys'];
    value.forEach((item: unknown, index) => {
      const oldItem =
        keys && Array.isArray(old)
          ? old.find((o: unknown) => isObject(o) && isObject(item) && keys.every((k) => o[k] === item[k]))
          : undefined;
      errors.push(...ruleErrors(schema.items ?? {}, item, oldItem, [...path, index]));
    });
  }
  if (schema.additionalProperties && isObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      const oldItem = isObject(old) ? old[key] : undefined;
      errors.push(...ruleErrors(schema.additionalProperties, item, oldItem, [...path, key]));
    }
  }
  return errors;
}

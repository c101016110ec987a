// Builds a zod schema from a source schema (types, formats, ranges, enums, defaults,
// list uniqueness). CEL rules are not here: crds/validate.ts runs their checks afterwards.
import { z } from 'zod';
import type { Schema } from './source/schema.ts';

const INT32 = { min: -(2 ** 31), max: 2 ** 31 - 1 } as const;

export function toZod(schema: Schema): z.ZodType {
  const base = baseType(schema);
  return schema['x-kubernetes-list-type'] === 'set' || schema['x-kubernetes-list-type'] === 'map'
    ? base.superRefine((value, ctx) => reportDuplicates(schema, value, ctx))
    : base;
}

function baseType(schema: Schema): z.ZodType {
  switch (schema.type) {
    case 'string':
      return stringType(schema);
    case 'integer':
    case 'number': {
      let n = schema.type === 'integer' ? z.int() : z.number();
      const min = schema.minimum ?? (schema.format === 'int32' ? INT32.min : undefined);
      const max = schema.maximum ?? (schema.format === 'int32' ? INT32.max : undefined);
      if (min !== undefined) n = n.min(min);
      if (max !== undefined) n = n.max(max);
      return schema.enum ? n.refine((v) => schema.enum?.includes(v), { message: `must be one of ${schema.enum.join(', ')}` }) : n;
    }
    case 'boolean':
      return z.boolean();
    case 'array': {
      let a = z.array(toZod(schema.items ?? {}));
      if (schema.minItems !== undefined) a = a.min(schema.minItems);
      if (schema.maxItems !== undefined) a = a.max(schema.maxItems);
      return a;
    }
    case 'object':
      return objectType(schema);
    default:
      return z.unknown();
  }
}

function stringType(schema: Schema): z.ZodType {
  if (schema.enum) return z.enum(schema.enum.map(String) as [string, ...string[]]);
  let s =
    schema.format === 'date-time'
      ? z.iso.datetime({ offset: true })
      : schema.format === 'ipv4'
        ? z.ipv4()
        : z.string();
  if (schema.minLength !== undefined) s = s.min(schema.minLength);
  if (schema.maxLength !== undefined) s = s.max(schema.maxLength);
  if (schema.pattern !== undefined) s = s.regex(new RegExp(schema.pattern, 'u'), { message: `must match ${schema.pattern}` });
  return s;
}

function objectType(schema: Schema): z.ZodType {
  if (schema.properties === undefined) {
    const values = schema.additionalProperties ? toZod(schema.additionalProperties) : z.unknown();
    const record = z.record(z.string(), values);
    const most = schema.maxProperties;
    return most === undefined
      ? record
      : record.refine((r) => Object.keys(r).length <= most, { message: `must have at most ${most} entries` });
  }
  const required = new Set(schema.required ?? []);
  const shape: Record<string, z.ZodType> = {};
  for (const [key, child] of Object.entries(schema.properties)) {
    const type = toZod(child);
    shape[key] = required.has(key) ? type : child.default !== undefined ? type.default(child.default) : type.optional();
  }
  return schema['x-kubernetes-preserve-unknown-fields'] ? z.looseObject(shape) : z.strictObject(shape);
}

/** list-type set: no equal items; list-type map: no two items with the same keys. */
function reportDuplicates(schema: Schema, value: unknown, ctx: z.RefinementCtx): void {
  if (!Array.isArray(value)) return;
  const keys = schema['x-kubernetes-list-map-keys'];
  const seen = new Map<string, number>();
  value.forEach((item: unknown, index) => {
    const identity = JSON.stringify(
      keys ? keys.map((k) => (item as Record<string, unknown>)[k]) : item,
    );
    if (seen.has(identity)) {
      ctx.addIssue({
        code: 'custom',
        path: [index],
        message: keys ? `duplicate entry for ${keys.join(', ')} ${identity}` : `duplicate value ${identity}`,
      });
    }
    seen.set(identity, index);
  });
}

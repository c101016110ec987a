// The pieces crds/generated/zod.ts is written with (hack/generate/zod.ts turns each source
// schema into calls of these): zod types with the messages Portside reports, and list
// uniqueness as the apiserver checks it. CEL rules are not here: crds/validate.ts runs
// their checks afterwards.
// Named imports, not the `z` namespace: a bundle then keeps only the zod these call.
import { array, boolean as zodBoolean, enum as zodEnum, int, ipv4, iso, number as zodNumber, record, string as zodString } from 'zod';
import type { z } from 'zod';

type Issue = { readonly input?: unknown };

/** A missing value is "required"; anything else is not of the `expected` sort. */
const typeError = (expected: string) => (issue: Issue): string =>
  issue.input === undefined ? 'is required' : `must be ${expected}`;

/** The options of every strictObject / looseObject. */
export const OBJECT = { error: typeError('an object') } as const;

const INT32 = { min: -(2 ** 31), max: 2 ** 31 - 1 } as const;

export interface StringOptions {
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly patternMessage?: string;
  readonly format?: 'date-time' | 'ipv4';
}

export function string(opts: StringOptions = {}): z.ZodType<string> {
  let s =
    opts.format === 'date-time'
      ? iso.datetime({ offset: true, error: typeError('an RFC 3339 date-time') })
      : opts.format === 'ipv4'
        ? ipv4({ error: typeError('an IPv4 address') })
        : zodString({ error: typeError('a string') });
  const { minLength, maxLength, pattern } = opts;
  if (minLength !== undefined) {
    s = s.min(minLength, { error: minLength === 1 ? 'must not be empty' : `must be at least ${minLength} characters` });
  }
  if (maxLength !== undefined) s = s.max(maxLength, { error: `must be at most ${maxLength} characters` });
  if (pattern !== undefined) s = s.regex(new RegExp(pattern, 'u'), { error: opts.patternMessage ?? `must match ${pattern}` });
  return s;
}

export function oneOf<const T extends readonly [string, ...string[]]>(values: T): z.ZodEnum<{ [K in T[number]]: K }> {
  return zodEnum(values, { error: (issue: Issue) => (issue.input === undefined ? 'is required' : `must be one of ${values.join(', ')}`) });
}

export interface NumberOptions {
  readonly integer?: boolean;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly format?: 'int32' | 'int64';
  readonly enum?: readonly number[];
  readonly unit?: string;
}

function rangeText(integer: boolean, min: number | undefined, max: number | undefined, unit: string | undefined): string {
  const what = integer ? 'a whole number' : 'a number';
  const range = min !== undefined && max !== undefined ? `${min}-${max}` : min !== undefined ? `≥ ${min}` : `≤ ${String(max)}`;
  return `use ${what} ${range}${unit === undefined ? '' : ` ${unit}`}`;
}

export function number(opts: NumberOptions = {}): z.ZodType<number> {
  const integer = opts.integer ?? false;
  let n = integer ? int({ error: typeError('a whole number') }) : zodNumber({ error: typeError('a number') });
  const min = opts.minimum ?? (opts.format === 'int32' ? INT32.min : undefined);
  const max = opts.maximum ?? (opts.format === 'int32' ? INT32.max : undefined);
  const outOfRange = (issue: Issue): string => `${String(issue.input)} is out of range: ${rangeText(integer, min, max, opts.unit)}`;
  if (min !== undefined) n = n.min(min, { error: outOfRange });
  if (max !== undefined) n = n.max(max, { error: outOfRange });
  const allowed = opts.enum;
  return allowed ? n.refine((v) => allowed.includes(v), { error: `must be one of ${allowed.join(', ')}` }) : n;
}

export function boolean(): z.ZodBoolean {
  return zodBoolean({ error: typeError('true or false') });
}

export interface ListOptions {
  readonly minItems?: number;
  readonly maxItems?: number;
  /** x-kubernetes-list-type set: no two equal items. */
  readonly set?: boolean;
  /** x-kubernetes-list-type map: no two items with the same values of these keys. */
  readonly mapKeys?: readonly string[];
}

export function list<T extends z.ZodType>(item: T, opts: ListOptions = {}): z.ZodArray<T> {
  let a = array(item, { error: typeError('a list') });
  if (opts.minItems !== undefined) a = a.min(opts.minItems, { error: `must have at least ${opts.minItems} item(s)` });
  if (opts.maxItems !== undefined) a = a.max(opts.maxItems, { error: `must have at most ${opts.maxItems} items` });
  return opts.set || opts.mapKeys ? a.superRefine((value, ctx) => reportDuplicates(opts.mapKeys, value, ctx)) : a;
}

/** An object whose keys are free (matchLabels): string keys, `values` for each value. */
export function stringMap<T extends z.ZodType>(values: T, maxProperties?: number): z.ZodRecord<z.ZodString, T> {
  const map = record(zodString(), values, { error: typeError('an object') });
  return maxProperties === undefined
    ? map
    : map.refine((r) => Object.keys(r).length <= maxProperties, { error: `must have at most ${maxProperties} entries` });
}

/** Where the apiserver reports a duplicate: at the later item. */
function reportDuplicates(keys: readonly string[] | undefined, value: readonly unknown[], ctx: z.RefinementCtx): void {
  const seen = new Map<string, number>();
  value.forEach((item: unknown, index) => {
    const fields = typeof item === 'object' && item !== null ? (item as Record<string, unknown>) : {};
    const identity = JSON.stringify(keys ? keys.map((k) => fields[k]) : item);
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

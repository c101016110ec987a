// Objects of one kind need distinct, non-empty names.
import type { Issues } from './issues.ts';
import type { ConfigKind } from './types.ts';

/** An object as received, with the name it is known by. */
export interface NamedObject {
  readonly name: string;
  readonly object: { readonly [key: string]: unknown };
}

const isRecord = (value: unknown): value is { readonly [key: string]: unknown } =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The objects whose names are usable; reports missing and duplicate names. */
export function uniquelyNamed(kind: ConfigKind, objects: readonly unknown[], issues: Issues): NamedObject[] {
  const seen = new Set<string>();
  const out: NamedObject[] = [];
  for (const object of objects ?? []) {
    const metadata = isRecord(object) && isRecord(object.metadata) ? object.metadata : {};
    const name = typeof metadata.name === 'string' ? metadata.name : '';
    if (name === '' || !isRecord(object)) {
      issues.error(kind, '', 'metadata.name', `a ${kind} has no name: give it one`);
    } else if (seen.has(name)) {
      issues.error(kind, name, 'metadata.name', `two ${kind} objects are named "${name}": names must be unique`);
    } else {
      seen.add(name);
      issues.locate(kind, name, typeof metadata.namespace === 'string' ? metadata.namespace : undefined);
      out.push({ name, object });
    }
  }
  return out;
}

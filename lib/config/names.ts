// Objects of one kind need distinct, non-empty names.
import type { Issues } from './issues.ts';
import type { ConfigKind } from './types.ts';

/** The objects whose names are usable; reports missing and duplicate names. */
export function uniquelyNamed<T extends { metadata: { name?: string; namespace?: string } }>(
  kind: ConfigKind,
  objects: readonly T[],
  issues: Issues,
): T[] {
  const seen = new Set<string>();
  const out: T[] = [];
  for (const obj of objects ?? []) {
    const name = obj?.metadata?.name ?? '';
    if (name === '') {
      issues.error(kind, '', 'metadata.name', `a ${kind} has no name: give it one`);
    } else if (seen.has(name)) {
      issues.error(kind, name, 'metadata.name', `two ${kind} objects are named "${name}": names must be unique`);
    } else {
      seen.add(name);
      out.push(obj);
    }
  }
  return out;
}

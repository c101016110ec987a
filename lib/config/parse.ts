// Each configuration object, checked against its kind's schema from crds/source (the rules
// the apiserver runs, plus the runtime rules it cannot): typed with the defaults applied,
// or one ConfigError per field at fault. The builders only see objects that passed.
import { API_VERSION, KIND_NAMES } from '../../crds/index.ts';
import type { Parser, PortsideKind } from '../../crds/index.ts';
import type { Issues } from './issues.ts';
import { uniquelyNamed } from './names.ts';

export interface Named<T> {
  readonly name: string;
  readonly object: T;
}

export interface ParsedObjects<T> {
  /** Every uniquely named object, valid or not: a reference to an invalid one is not "not found". */
  readonly names: ReadonlySet<string>;
  readonly valid: readonly Named<T>[];
}

/** What the config model reads of an object: its identity, metadata and spec (status is Portside's own). */
function configurationOf(kind: PortsideKind, object: { readonly [key: string]: unknown }): Record<string, unknown> {
  return {
    // Fixtures (and some clients) leave out apiVersion and kind: the informer's kind is implied.
    apiVersion: object.apiVersion ?? API_VERSION,
    kind: object.kind ?? kind,
    metadata: object.metadata,
    ...(object.spec !== undefined || KIND_NAMES[kind].specRequired ? { spec: object.spec } : {}),
  };
}

export function parseObjects<T>(
  kind: PortsideKind & Parameters<Issues['error']>[0],
  objects: readonly unknown[],
  parse: Parser<T>,
  issues: Issues,
): ParsedObjects<T> {
  const named = uniquelyNamed(kind, objects, issues);
  const valid: Named<T>[] = [];
  for (const { name, object } of named) {
    const result = parse(configurationOf(kind, object));
    if (result.ok) valid.push({ name, object: result.value });
    else for (const e of result.errors) issues.error(kind, name, e.path, e.message);
  }
  return { names: new Set(named.map((n) => n.name)), valid };
}

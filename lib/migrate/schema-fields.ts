// The spec fields each Portside kind has, read from the CRD source (the one source of the API).
import { KIND_SOURCES } from '../../crds/index.ts';
import type { PortsideKind } from '../../crds/index.ts';

/** Field name → its own fields when it is an object the schema describes, else null. */
export type Fields = Map<string, Fields | null>;

interface SchemaLike { type?: unknown; properties?: Record<string, SchemaLike>; additionalProperties?: unknown }

function fields(schema: SchemaLike): Fields | null {
  if (schema.type !== 'object' || !schema.properties || schema.additionalProperties) return null;
  return new Map(Object.entries(schema.properties).map(([k, v]) => [k, fields(v)]));
}

export function specFieldsOf(kind: PortsideKind): Fields | undefined {
  const source = KIND_SOURCES.find((k) => k.kind === kind);
  return source?.spec ? fields(source.spec as SchemaLike) ?? undefined : undefined;
}
